"""Agency debt as near-sovereign collateral: its holders raise cash by repo against it, at a
haircut that moves with the market's belief in the guarantee.

A holder of the state company's bonds (a bank, money-market fund, pension or insurer, private-credit
fund) whose cash is below what it owes this month borrows the gap from outside repo lenders
(:data:`~aicontagion.network.contracts.EXTERNAL`: the tri-party market), secured on its agency
bonds, up to ``(1 - haircut) x`` their marked value less what it already owes on agency repo, for
one month (repaid next month and re-lent at that month's haircut, so a fall in belief shrinks at
once what every holder can raise). The rate is the company's own funding rate (agency repo trades
near the agency's yield). The haircut is

    haircut(b) = HAIRCUT_BELIEVED + (1 - b) x (HAIRCUT_DOUBTED - HAIRCUT_BELIEVED)

for the market's belief ``b`` in the guarantee (:meth:`StateCompany.belief_now`): sovereign-like
when the guarantee is believed, that of a private issuer's secured debt when it is not. Doubt about
the guarantee therefore reaches every holder twice: through the bonds' price (their mark,
``b + (1 - b) x`` their credit mark) and through what they can borrow against them.

The model's only bank capital rule is the leverage ratio (equity / assets), under which agency
debt counts in full, as Treasuries do (Basel III leverage exposure): there is no risk weight to
lower.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.network.contracts import EXTERNAL, ContractType, Seniority

HAIRCUT_BELIEVED = 0.02
"""Repo haircut on agency debt while the guarantee is believed: as on government bonds in the
bank_2008 scenario's repo book (assumed; range 0.01-0.05)."""
HAIRCUT_DOUBTED = 0.25
"""Repo haircut once belief in the guarantee is gone: that of a private issuer's secured bonds
under stress (assumed; range 0.1-0.45, the top the haircut on structured products reached in
2008, Gorton and Metrick 2012)."""
REPO_KINDS = (Kind.BANK, Kind.MONEY_MARKET_FUND, Kind.PENSION_LP, Kind.PRIVATE_CREDIT_FUND)
"""Holders that can post agency bonds as repo collateral."""
LABEL = "agency_repo"


def haircut(belief: float) -> float:
    """The agency-repo haircut at belief ``belief`` in the guarantee (0-1)."""
    b = float(np.clip(belief, 0.0, 1.0))
    return HAIRCUT_BELIEVED + (1.0 - b) * (HAIRCUT_DOUBTED - HAIRCUT_BELIEVED)


def collateral(state, company: int) -> np.ndarray:
    """Per institution: marked value (USD bn) of the company's bonds it holds."""
    c = state.contracts
    rows = np.flatnonzero(c.is_debt & (c.obligor == company) & (c.principal > 0) & (c.creditor >= 0))
    return np.bincount(c.creditor[rows], weights=c.value()[rows], minlength=state.n)


def owed(state, company: int, rows: dict) -> np.ndarray:
    """Per institution: principal it owes on open agency repo (USD bn)."""
    out = np.zeros(state.n)
    c = state.contracts
    for who, row in rows.items():
        if c.active[row] and c.maturity[row] > state.month:
            out[who] += float(c.principal[row])
    return out


def capacity(state, company: int, belief: float, rows: dict) -> np.ndarray:
    """Per institution: what it can still borrow on agency repo (USD bn)."""
    return np.maximum((1.0 - haircut(belief)) * collateral(state, company) - owed(state, company, rows), 0.0)


def borrow(state, company: int, belief: float, rate: float, need: np.ndarray, rows: dict) -> float:
    """Holders short of cash (``need`` minus cash, per institution) borrow on agency repo within
    their capacity; ``rows`` maps each borrower to its repo row this month. Returns the total lent."""
    kind = state.registry.kind
    holders = np.flatnonzero(np.isin(kind, [int(k) for k in REPO_KINDS]) & (state.lifecycle.status != Status.DEFAULTED))
    gap = need[holders] - state.books.cash[holders]
    room = capacity(state, company, belief, rows)[holders]
    amount = np.minimum(np.maximum(gap, 0.0), room)
    c = state.contracts
    total = 0.0
    for who, x in zip(holders[amount > 1e-9], amount[amount > 1e-9], strict=True):
        row = rows.get(int(who))
        if row is None or not c.active[row] or c.maturity[row] <= state.month:
            row = c.add(
                ContractType.LOAN,
                EXTERNAL,
                int(who),
                None,
                principal=0.0,
                rate=rate,
                start=state.month,
                maturity=state.month + 1,
                tenor=1,
                seniority=Seniority.SECURED,
                rolls=False,  # repaid next month; re-lent then at that month's haircut
            )
            rows[int(who)] = row
        state.books.lend(c, np.array([row]), np.array([x]), LABEL)
        state.events.record(int(who), LABEL, float(x), f"haircut {haircut(belief):.1%} on agency bonds")
        total += float(x)
    return total
