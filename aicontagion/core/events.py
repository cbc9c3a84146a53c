"""The event log: one row per default, strategic default, fire sale, rollover failure, payout...

Each row is ``step, date, institution, kind, event, amount, cause`` (amount in USD bn; ``cause``
names the counterparty or channel that triggered it, so contagion trees can be drawn). The model
sets the clock (:meth:`EventLog.tick`) at the start of each month; mechanisms only append.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ("step", "date", "institution", "kind", "event", "amount", "cause")


class EventLog:
    """Append-only log of the run's events."""

    def __init__(self, ids: list[str], kind_labels: list[str]):
        self.ids = ids
        self.kind_labels = kind_labels
        self.rows: list[dict] = []
        self.step = 0
        self.date = None
        self.day = None  # day of the month inside the liquidity sub-steps (None: the monthly stages)

    def tick(self, step: int, date: pd.Period) -> None:
        """Set the clock: events appended from now on are dated ``date`` (Mesa step ``step``)."""
        self.step, self.date = step, date.to_timestamp()

    def record(self, who: int, event: str, amount: float, cause: str) -> None:
        """Append one event of institution row ``who`` (``-1``: outside the system)."""
        self.rows.append(
            {
                "step": self.step,
                "date": self.date,
                "institution": self.ids[who] if who >= 0 else "outside",
                "kind": self.kind_labels[who] if who >= 0 else "outside",
                "event": event,
                "amount": float(amount),
                "cause": cause,
                "day": self.day,
            }
        )

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame with :data:`COLUMNS`."""
        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def __len__(self) -> int:
        return len(self.rows)
