"""The imposed exit of a tenant from a named lease at a named month, as a scheduled event.

``LeaseExit(contract="hyperion_lease", at="2031-01", how="repudiate")`` makes the lease's tenant
leave at that calendar month (mechanisms/lease_events.py books it; ``how``: ``repudiate``,
``not_renew`` or ``tenant_default``). It is a policy only in the model's plumbing (it acts at the
decide stage's ``apply`` hook, after the institutions decided, in one month): it is the stress
test's event, not a government action. Without it nothing changes.
"""

from __future__ import annotations

from aicontagion.core.calendar import month_index
from aicontagion.mechanisms.lease_events import HOWS, impose_exit
from aicontagion.policies.base import Policy, PolicyError


class LeaseExit(Policy):
    """The tenant of ``contract`` leaves it in calendar month ``at`` (``"YYYY-MM"``), ``how``."""

    name = "lease_exit"

    def __init__(self, contract: str, at: str, how: str = "repudiate"):
        if how not in HOWS:
            raise PolicyError(f"LeaseExit: how must be one of {', '.join(HOWS)} (got {how!r})")
        if not isinstance(at, str) or len(at) != 7 or at[4] != "-" or not (at[:4] + at[5:]).isdigit():
            raise PolicyError(f"LeaseExit: at must be a month 'YYYY-MM' (got {at!r})")
        super().__init__(0, None, contract=contract, at=at, how=how)
        self.contract, self.at, self.how = contract, at, how
        self.row = -1
        self.terms: dict[str, float] | None = None

    def initialize(self, state) -> None:
        c = state.contracts
        if self.contract not in c.ids:
            raise PolicyError(f"LeaseExit: unknown contract {self.contract!r} in scenario {state.spec.name}")
        self.row = c.ids.index(self.contract)
        if not c.is_executory[self.row]:
            raise PolicyError(f"LeaseExit: {self.contract!r} is not a lease or offtake")
        month = month_index(self.at, state.spec.start)
        if month < 0:
            raise PolicyError(f"LeaseExit: {self.at} is before the scenario's start {state.spec.start}")
        self.start = self.end = month

    def apply(self, state, decisions) -> None:
        if state.month == self.start:
            self.terms = impose_exit(state, self.row, self.how, decisions)
