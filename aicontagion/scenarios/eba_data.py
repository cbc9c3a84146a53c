"""The EBA 2018 stress-test banks (``data/eba_2018_banks.csv``): reading and checking the data file.

The file is the one of the open INET Oxford model (one bank a line: ``bank_id CET1E leverage
debt_sec govbonds``, amounts in EUR mn, ``govbonds`` possibly written ``a+b``, parsed, never
evaluated). Both the ``eba_2018`` scenario generator and the fire-sale validation read it here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

EBA_CSV = Path(__file__).parent / "data" / "eba_2018_banks.csv"
EBA_COLUMNS = ("bank_id", "CET1E", "leverage", "debt_sec", "govbonds")
CASH_SHARE = 0.05  # cash as a share of total assets (as in the open INET model)

_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_holding_sum(text: str) -> float:
    """Parse a holding written as a sum of plain decimals, e.g. ``"13+27682"`` -> 27695.0.

    The EBA file writes some government-bond holdings as the sum of two reported items. The text
    is split on ``+`` and each part must be a plain non-negative decimal number; nothing is
    evaluated, so anything else (names, calls, operators) raises ``ValueError``.
    """
    parts = str(text).split("+")
    if not all(_NUMBER.fullmatch(p.strip()) for p in parts):
        raise ValueError(f"not a sum of plain decimal numbers: {text!r}")
    return float(sum(float(p) for p in parts))


@dataclass(frozen=True)
class EBABanks:
    """The 48 EBA 2018 banks and the balance sheets the open model builds from them (EUR mn).

    Attributes:
        ids: Bank identifiers (``AT01`` ...).
        cet1: Common equity tier 1 capital, the opening equity.
        leverage_pct: CET1 / total leverage exposure, in percent.
        debt_securities: Debt securities held (both tradable classes).
        gov_bonds: Government bonds held (the sum of the two reported items).
    """

    ids: tuple[str, ...]
    cet1: np.ndarray
    leverage_pct: np.ndarray
    debt_securities: np.ndarray
    gov_bonds: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    @cached_property
    def assets(self) -> np.ndarray:
        """Total assets = CET1 / (leverage / 100)."""
        return self.cet1 / (self.leverage_pct / 100.0)

    @cached_property
    def cash(self) -> np.ndarray:
        return CASH_SHARE * self.assets

    @cached_property
    def corp_bonds(self) -> np.ndarray:
        """Corporate bonds = debt securities - government bonds."""
        return self.debt_securities - self.gov_bonds

    @cached_property
    def tradables(self) -> np.ndarray:
        """``(n, 2)`` holdings of the tradable classes (corporate, government bonds) at price 1."""
        return np.column_stack([self.corp_bonds, self.gov_bonds])

    @cached_property
    def other_assets(self) -> np.ndarray:
        """The rest of the assets: total - debt securities - cash (not traded)."""
        return self.assets - self.debt_securities - self.cash

    @cached_property
    def liabilities(self) -> np.ndarray:
        return self.assets - self.cet1

    @cached_property
    def loans(self) -> np.ndarray:
        """Half the liabilities: the part a delevering bank repays with cash."""
        return self.liabilities / 2.0

    @cached_property
    def other_liabilities(self) -> np.ndarray:
        return self.liabilities / 2.0

    def frame(self) -> pd.DataFrame:
        """One row per bank with the input data and the balance sheet built from it."""
        return pd.DataFrame(
            {
                "bank_id": self.ids,
                "cet1": self.cet1,
                "leverage_pct": self.leverage_pct,
                "assets": self.assets,
                "cash": self.cash,
                "corp_bonds": self.corp_bonds,
                "gov_bonds": self.gov_bonds,
                "other_assets": self.other_assets,
                "loans": self.loans,
                "other_liabilities": self.other_liabilities,
            }
        )


def load_eba_banks(path: str | Path | None = None) -> EBABanks:
    """Read the EBA 2018 file: a header line, then one space-separated row per bank.

    Columns ``bank_id CET1E leverage debt_sec govbonds`` (EUR mn; leverage in percent);
    ``govbonds`` may be written ``a+b`` (see :func:`parse_holding_sum`). Raises ``ValueError``
    naming the line on a malformed row or a balance sheet that cannot be built (negative
    corporate bonds or other assets, non-positive capital or leverage).
    """
    path = Path(path) if path is not None else EBA_CSV
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    if not lines or tuple(lines[0].replace(",", " ").split()) != EBA_COLUMNS:
        raise ValueError(f"{path}: the first line must be the header {','.join(EBA_COLUMNS)}")
    ids, rows = [], []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if len(parts) != len(EBA_COLUMNS):
            raise ValueError(f"{path}:{number}: expected {len(EBA_COLUMNS)} space-separated fields, got {len(parts)}")
        try:
            rows.append([float(parts[1]), float(parts[2]), float(parts[3]), parse_holding_sum(parts[4])])
        except ValueError as err:
            raise ValueError(f"{path}:{number}: {err}") from None
        ids.append(parts[0])
    cet1, lev, debt, gov = np.array(rows, dtype=float).T
    banks = EBABanks(tuple(ids), cet1, lev, debt, gov)
    bad = (cet1 <= 0) | (lev <= 0) | (banks.corp_bonds < 0) | (banks.other_assets < 0)
    if bad.any():
        raise ValueError(f"{path}: cannot build the balance sheets of {[ids[i] for i in np.flatnonzero(bad)]}")
    return banks


@functools.lru_cache(maxsize=1)
def default_eba_banks() -> EBABanks:
    """The shipped EBA 2018 data set, read once per process."""
    return load_eba_banks(EBA_CSV)
