"""A state-backed compute company (the seed's "national AI compute company"; the Fannie Mae /
Freddie Mac analogy, CAL "Government-sponsored enterprises").

:func:`with_state_company` adds the company to a scenario: an institution of kind ``government``
(state-owned: it never goes through liquidation) with an empty balance sheet. The policy
:class:`StateCompany` runs it:

* **what it does** (``adjust_funding``, in its window and once its trigger fired): it finances
  the data-centre debt of ``kinds`` (SPVs, neoclouds) that matures next month and that private
  credit will not roll (the lender is unwilling or the borrower's market is closed), or, with
  ``mandate=True``, all of it. It buys each such loan from its lender at the lender's carrying
  value (no gain or loss to either side), becomes the lender, and rolls it for ``tenor`` months
  at the Treasury rate plus its own spread plus ``lending_margin``; it rolls the loans it already
  holds whatever the market does. At most ``budget`` (USD bn) of loans is bought;
* **how it borrows**: agency bonds at the Treasury rate plus a spread set by the market's belief
  in the guarantee: ``b x agency_premium + (1 - b) x its own market spread`` plus the sovereign's
  own spread (:func:`~aicontagion.mechanisms.treasury.sovereign_spread`: the Treasury debt the run
  added), where the belief ``b = belief x credibility`` falls as the fiscal cost uses up
  ``fiscal_capacity`` (:func:`~aicontagion.mechanisms.treasury.credibility`). Its bonds are marked
  at ``b + (1 - b) x`` their credit mark (the company's own distress): doubt about the guarantee
  reaches every holder. A share
  ``holder_share`` of each issue is bought by banks, money-market funds, pensions and insurers
  (pro rata to their cash, at most ``holder_cash_cap`` of each one's cash, and a bank at most what
  its risk-based capital carries at the agency risk weight of 20%, :func:`agency_room`), the rest by outside
  (foreign and domestic) investors. Its debt always rolls; a cash shortfall is covered by more
  agency debt sold to outside investors (:func:`~aicontagion.mechanisms.treasury.fund_government`);
* **near-sovereign collateral** (``repo=True``): its bondholders short of cash borrow on repo
  against its bonds, at a haircut that rises as belief in the guarantee falls
  (:mod:`aicontagion.policies.agency_repo`);
* **conservatorship**: whenever its net worth is below zero (checked before the month's payments,
  before rollover and at the month's end), the Treasury injects exactly the shortfall, funded by
  Treasury debt (:func:`~aicontagion.mechanisms.treasury.fund_government_for`): the company keeps
  operating and paying instead of being liquidated. ``draws`` is the cumulative injection (2008:
  116.1bn for Fannie Mae, 71.3bn for Freddie Mac, CAL GSE / cumulative Treasury draws).

* **what it owns** (``after_step``, in its window and once its trigger fired, with
  ``lease_share > 0``: the mandate's share of the build-out): it buys ``lease_share`` of the
  buildings each giant and neocloud has due next month, pays the builders for them with new agency
  bonds and leases them to the builder that ordered them at ``rent_yield`` of their cost a year
  (by default at cost: its funding rate plus its margin plus depreciation, so the state passes on
  its near-Treasury funding)
  (:mod:`aicontagion.policies.leasing`). Its book then grows with the build-out, so the
  Fannie/Freddie question (a guaranteed book comparable to the intermediaries' capital) can be
  asked; its rents pay its coupons, and when tenants stop paying, conservatorship keeps it paying.

* **what it takes over** (``takeover=True``, in its window and once its trigger fired): when one
  of ``kinds`` defaults, the company buys its facility and GPUs at carrying value with new agency
  bonds, before the estate is sold, and takes over the contracts in which it was the provider
  (:mod:`aicontagion.policies.takeover`, through the resolution's takeover hook): the failed
  borrower's lenders recover what a fire sale would not have fetched, and the company's book grows
  with the distress.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import fill_nan
from aicontagion.mechanisms.risk_weights import risk_headroom
from aicontagion.mechanisms.treasury import credibility, fund_government_for, treasury_yield
from aicontagion.network.contracts import EXTERNAL, ContractType, Seniority
from aicontagion.policies import agency_repo, leasing, takeover
from aicontagion.policies.base import (
    Catalogue,
    Policy,
    PolicyError,
    check_kinds,
    check_nonneg,
    check_share,
    government_of,
    targets_of,
)

COMPANY_ID = "state_compute"
HOLDER_KINDS = (Kind.BANK, Kind.MONEY_MARKET_FUND, Kind.PENSION_LP)
"""Intermediaries that buy its bonds as near-sovereign paper."""


def agency_room(state, holders: np.ndarray) -> np.ndarray:
    """USD bn of agency bonds each of ``holders`` can buy within its risk-based capital: for a bank,
    its RWA headroom (:func:`~aicontagion.mechanisms.risk_weights.risk_headroom`) over the agency
    weight (20%, so five times what the same capital would carry of corporate loans at 100%);
    unlimited for other holders and for banks whose floor is off."""
    room = np.full(holders.size, np.inf)
    banks = state.registry.kind[holders] == int(Kind.BANK)
    if banks.any():
        w = fill_nan(state.registry.params["bank"]["agency_risk_weight"][holders[banks]], 0.2)
        head = np.maximum(risk_headroom(state, holders[banks]), 0.0)
        room[banks] = np.where(w > 0, head / np.maximum(w, 1e-12), np.inf)
    return room


def with_state_company(spec, company: str = COMPANY_ID):
    """A copy of scenario ``spec`` with an empty state-owned company ``company`` (kind government)
    after its institutions (after the government, which stays the Treasury)."""
    if any(i.id == company for i in spec.institutions):
        return spec
    gov = next((i for i in spec.institutions if i.kind == "government"), None)
    if gov is None:
        raise PolicyError(f"StateCompany: scenario {spec.name} has no government to back the company")
    new = gov.model_copy(update={"id": company, "name": "State-backed compute company", "cash": 0.0, "equity": 0.0})
    return spec.model_copy(update={"institutions": [*spec.institutions, new]})


class StateCompany(Policy):
    """Run the state-backed compute company (see the module docstring).

    Args:
        company: the company's id (added with :func:`with_state_company`).
        kinds: borrowers whose maturing debt it finances.
        mandate: finance all their maturing debt, not only what private credit will not roll.
        budget: most it buys (USD bn).
        belief: the market's belief in the guarantee (0-1) while the state has room, which sets its spread.
        fiscal_capacity: fiscal cost (USD bn) at which belief is gone (default: the Treasury's 2009
            commitments to Fannie Mae and Freddie Mac, 2 x 200, CAL GSE / conservatorship).
        agency_premium: its spread when the guarantee is fully believed (annual).
        lending_margin: its margin over its own funding cost on the loans it holds (annual).
        tenor: months of each roll and of its bonds.
        holder_share: share of each bond issue bought by banks, MMFs, pensions and insurers.
        holder_cash_cap: most of a holder's cash it puts in one issue.
        lease_share: the mandate: share of the giants' and neoclouds' building deliveries it buys
            and leases to them (0: it only refinances).
        lease_kinds: builders whose buildings it buys.
        repo: its bonds are repo collateral for their holders (haircut moving with belief).
        rent_yield: annual rent as a share of the buildings' cost (None: at cost, its funding rate
            plus ``lending_margin`` plus depreciation, :meth:`cost_rent`, fixed when each lease is signed).
        takeover: when one of ``kinds`` defaults, buy its facility and GPUs at carrying value and take
            over its customer contracts (:mod:`aicontagion.policies.takeover`), within ``budget``.
    """

    name = "state_company"

    def __init__(
        self,
        company: str = COMPANY_ID,
        kinds: Iterable[str] = ("spv", "neocloud"),
        mandate: bool = False,
        budget: float = np.inf,
        belief: float = 0.9,
        fiscal_capacity: float = 400.0,
        agency_premium: float = 0.004,
        lending_margin: float = 0.01,
        tenor: int = 60,
        holder_share: float = 0.5,
        holder_cash_cap: float = 0.1,
        lease_share: float = 0.0,
        lease_kinds: Iterable[str] = leasing.LESSEE_KINDS,
        rent_yield: float | None = None,
        repo: bool = True,
        takeover: bool = False,
        start: int = 0,
        end: int | None = None,
        trigger=None,
    ):
        who = "StateCompany"
        kinds = check_kinds(kinds, who)
        if not isinstance(mandate, bool):
            raise PolicyError(f"{who}: mandate must be true or false (got {mandate!r})")
        if not isinstance(repo, bool):
            raise PolicyError(f"{who}: repo must be true or false (got {repo!r})")
        if not isinstance(takeover, bool):
            raise PolicyError(f"{who}: takeover must be true or false (got {takeover!r})")
        if any(k not in leasing.LESSEE_KINDS for k in tuple(lease_kinds)):
            raise PolicyError(
                f"{who}: lease_kinds must be builders {leasing.LESSEE_KINDS} (got {tuple(lease_kinds)!r})"
            )
        if isinstance(tenor, bool) or not isinstance(tenor, int) or tenor < 1:
            raise PolicyError(f"{who}: tenor must be a whole number of months >= 1 (got {tenor!r})")
        super().__init__(
            start,
            end,
            trigger,
            company=company,
            kinds=kinds,
            mandate=mandate,
            budget=check_nonneg(budget, "budget", who),
            belief=check_share(belief, "belief", who),
            fiscal_capacity=check_nonneg(fiscal_capacity, "fiscal_capacity", who),
            agency_premium=check_nonneg(agency_premium, "agency_premium", who),
            lending_margin=check_nonneg(lending_margin, "lending_margin", who),
            tenor=tenor,
            holder_share=check_share(holder_share, "holder_share", who),
            holder_cash_cap=check_share(holder_cash_cap, "holder_cash_cap", who),
            lease_share=check_share(lease_share, "lease_share", who),
            lease_kinds=check_kinds(lease_kinds, who),
            rent_yield=None if rent_yield is None else check_nonneg(rent_yield, "rent_yield", who),
            repo=repo,
            takeover=takeover,
        )
        self.repo, self.takes_over = repo, takeover
        self.lease_share, self.lease_kinds, self.rent_yield = float(lease_share), self.args["lease_kinds"], rent_yield
        self.company, self.kinds, self.mandate = company, kinds, mandate
        self.budget, self.belief, self.premium, self.margin = float(budget), belief, agency_premium, lending_margin
        self.tenor, self.holder_share, self.cash_cap = tenor, holder_share, holder_cash_cap
        self.capacity = float(fiscal_capacity)

    def prepare_scenario(self, spec):
        """The scenario with the (empty) company added after its institutions, if it lacks it."""
        return with_state_company(spec, self.company)

    def validate(self, catalogue: Catalogue) -> None:
        if self.company not in catalogue.ids:
            raise PolicyError(
                f"StateCompany: scenario {catalogue.name} has no institution {self.company!r} "
                "(add it with policies.state_company.with_state_company)"
            )

    def initialize(self, state) -> None:
        self.gov = government_of(state)
        self.co = state.registry.ids.index(self.company)
        if state.registry.kind[self.co] != Kind.GOVERNMENT or self.co == self.gov:
            raise PolicyError(f"StateCompany: {self.company!r} must be a state-owned company besides the government")
        self.rows = targets_of(state, self.kinds, ())
        self.draws, self.bought, self.leased, self.taken = 0.0, 0.0, 0.0, 0.0
        self.opex = 0.0  # USD bn/month: running costs of the facilities it took over
        state.operations.takeover = partial(self.take_over, state) if self.takes_over else None
        self.tenants = leasing.lessees(state, self.lease_kinds)
        self.lease_rows: dict = {}
        self.repo_rows: dict = {}
        self.repo_lent = 0.0
        self.draw_log: list[tuple[int, float]] = []
        state.credit.always_rolls[self.co] = True

    # -- conservatorship -------------------------------------------------------------------------
    def conservatorship(self, state) -> float:
        """Inject exactly the company's negative net worth (USD bn, 0 if none); returns it."""
        need = -float(state.books.equity[self.co])
        if need <= 1e-12:
            return 0.0
        fund_government_for(state, need)
        state.books.transfer(self.gov, self.co, need, "conservatorship")
        state.books.book(self.gov, -need, Channel.GUARANTEE)
        state.books.book(self.co, need, Channel.CAPITAL)
        self.draws += need
        self.draw_log.append((int(state.month), need))
        state.events.record(self.co, "conservatorship_draw", need, "net worth below zero")
        return need

    # -- funding ---------------------------------------------------------------------------------
    def belief_now(self, state) -> float:
        """The market's belief in the guarantee now: ``belief x credibility`` of the sovereign."""
        return self.belief * credibility(state, self.capacity)

    def funding_rate(self, state) -> float:
        """Its borrowing rate (annual): the Treasury rate and the sovereign's spread, plus its spread."""
        return treasury_yield(state) + float(state.credit.spread[self.co])

    def issue(self, state, amount: float) -> None:
        """Sell ``amount`` (USD bn) of agency bonds: ``holder_share`` to intermediaries, the rest outside."""
        if amount <= 1e-12:
            return
        holders = np.concatenate([state.registry.members[k] for k in HOLDER_KINDS]).astype(np.int64)
        holders = holders[(state.lifecycle.status[holders] != Status.DEFAULTED) & (state.books.cash[holders] > 0)]
        cash = state.books.cash[holders]
        take = np.zeros(0)
        if holders.size and cash.sum() > 0:
            take = np.minimum(self.holder_share * amount * cash / cash.sum(), self.cash_cap * cash)
            take = np.minimum(take, agency_room(state, holders))
            keep = take > 1e-12
            holders, take = holders[keep], take[keep]
        lenders = np.concatenate([holders, [EXTERNAL]])
        amounts = np.concatenate([take, [amount - take.sum()]])
        c = state.contracts
        rows = c.add_many(
            ctype=np.full(lenders.size, int(ContractType.BOND)),
            creditor=lenders,
            obligor=np.full(lenders.size, self.co),
            rate=np.full(lenders.size, self.funding_rate(state)),
            start=np.full(lenders.size, state.month),
            maturity=np.full(lenders.size, state.month + self.tenor),
            tenor=np.full(lenders.size, self.tenor),
            seniority=np.full(lenders.size, int(Seniority.SENIOR)),
            market=np.full(lenders.size, -1),
        )
        state.books.lend(c, rows, amounts, "agency_bond")
        state.events.record(self.co, "agency_bond", amount, f"{take.sum():.3g} bought by intermediaries")

    # -- hooks -----------------------------------------------------------------------------------
    def apply(self, state, decisions) -> None:
        if self.opex > 0:  # the running costs of the facilities it took over
            state.books.transfer(self.co, EXTERNAL, self.opex, "opex")
            state.books.book(self.co, -self.opex, Channel.OPERATING)
        short = float(state.dues.due_now[self.co] - state.books.cash[self.co])
        if short > 1e-12:  # it always pays: a shortfall is rolled into new agency debt
            self.issue(state, short)
        self.conservatorship(state)
        self.repo_lend(state, state.dues.due_now)

    def liquidity_substep(self, state, need) -> None:
        """Inside the month: holders of its bonds short of what a run asks borrow against them."""
        self.repo_lend(state, need)

    def haircut(self, state) -> float:
        """The repo haircut on its bonds now (:func:`agency_repo.haircut` at :meth:`belief_now`)."""
        return agency_repo.haircut(self.belief_now(state))

    def repo_lend(self, state, need) -> None:
        """Its bondholders with cash below ``need`` (USD bn per institution) borrow on agency repo."""
        if self.repo:
            b = self.belief_now(state)
            self.repo_lent += agency_repo.borrow(state, self.co, b, self.funding_rate(state), need, self.repo_rows)

    def adjust_funding(self, state) -> None:
        s, b, c = state.credit, self.belief_now(state), state.contracts
        s.spread[self.co] = b * self.premium + (1.0 - b) * float(s.spread[self.co])
        bonds = np.flatnonzero(c.is_debt & (c.obligor == self.co) & (c.principal > 0))
        if bonds.size:  # the guarantee's credibility, not only the company's distress, prices its bonds
            marks = b + (1.0 - b) * c.credit_mark[bonds]
            c.credit_mark[bonds] = marks
            state.books.revalue_contracts(c, bonds, marks, Channel.COUNTERPARTY)
        if self.active(state):
            self.finance(state)
        self.conservatorship(state)

    def finance(self, state) -> None:
        """Buy and roll the targets' maturing bullet debt that private credit will not roll."""
        c = state.contracts
        nxt = state.month + 1
        mine = np.zeros(state.n, dtype=bool)
        mine[self.rows] = True
        rows = np.flatnonzero(c.is_debt & ~c.amortising & (c.maturity == nxt) & (c.principal > 0) & (c.obligor >= 0))
        rows = rows[mine[c.obligor[rows]] & (state.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED)]
        if rows.size == 0:
            return
        borrower, lender = c.obligor[rows], c.creditor[rows]
        held = lender == self.co
        market_open = state.credit.spread[borrower] <= state.spec.funding.rollover_max_spread
        lender_ok = np.where(lender >= 0, state.lending.lender_ok[np.maximum(lender, 0)], True)
        retreat = ~(market_open & lender_ok) & ~state.credit.always_rolls[borrower]
        buy = ~held & (retreat | self.mandate)
        value = c.value()[rows]
        room = max(self.budget - self.bought, 0.0)
        buy &= np.cumsum(np.where(buy, value, 0.0)) <= room + 1e-9
        if buy.any():
            total = float(value[buy].sum())
            self.issue(state, max(total - float(state.books.cash[self.co]), 0.0))
            state.books.transfer(np.full(int(buy.sum()), self.co), lender[buy], value[buy], "state_company_purchase")
            c.set_creditor(rows[buy], self.co)
            self.bought += total
            for r, v in zip(rows[buy], value[buy], strict=True):
                state.events.record(self.co, "state_company_purchase", float(v), f"{state.registry.ids[c.obligor[r]]}")
        roll = rows[held | buy]
        c.maturity[roll] += np.maximum(c.tenor[roll], 1)
        c.rate[roll] = self.funding_rate(state) + self.margin

    def after_step(self, state) -> None:
        if self.lease_share > 0 and self.active(state):
            self.lease(state)
        self.conservatorship(state)

    def cost_rent(self, state) -> float:
        """Its rent at cost (annual, share of the buildings' cost): its funding rate plus
        ``lending_margin`` on the capital, plus straight-line depreciation over the buildings' life."""
        life_years = float(state.system.facility_life[self.co]) / 12.0
        return self.funding_rate(state) + self.margin + 1.0 / max(life_years, 1.0)

    def lease(self, state) -> None:
        """Buy ``lease_share`` of next month's buildings of the builders and lease them back."""
        tenants, cost = leasing.take_buildings(state, self.co, self.tenants, self.lease_share)
        if tenants.size == 0:
            return
        total = float(cost.sum())
        self.issue(state, max(total - max(float(state.books.cash[self.co]), 0.0), 0.0))
        o = state.spec.origination
        rent = self.cost_rent(state) if self.rent_yield is None else self.rent_yield
        leasing.lease_buildings(state, self.co, tenants, cost, rent, int(o.lease_years * 12), self.lease_rows)
        self.leased += total

    def take_over(self, state, defaulted: np.ndarray) -> np.ndarray:
        """The resolution's takeover hook: buy the facilities of the ``defaulted`` among its targets,
        within what is left of ``budget``; returns the price paid per institution (USD bn)."""
        paid = np.zeros(state.n)
        if not self.active(state):
            return paid
        room = max(self.budget - self.bought - self.taken, 0.0)
        who = takeover.eligible(state, self.co, defaulted, self.rows, room)
        self.opex += takeover.operating_costs(state, who)  # before the GPUs move to the company
        paid = takeover.take_over(state, self.co, who, partial(self.issue, state))
        self.taken += float(paid.sum())
        return paid

    def holders(self, state) -> dict[str, float]:
        """Who holds its bonds (USD bn of principal by holder kind; ``outside`` for outside investors)."""
        c = state.contracts
        rows = np.flatnonzero(c.is_debt & (c.obligor == self.co) & (c.principal > 0))
        out: dict[str, float] = {}
        for r in rows:
            who = int(c.creditor[r])
            key = Kind(int(state.registry.kind[who])).label if who >= 0 else "outside"
            out[key] = out.get(key, 0.0) + float(c.principal[r])
        return out
