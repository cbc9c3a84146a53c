"""Subscription lines: a capital call paid ``call_lag_months`` later, bridged by the fund's bank
line at once and repaid when the LPs pay; an LP that defaults on the call leaves the fund to repay
the bridge; the borrowing base excludes distressed LPs. Every stage checks the books balance."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.agents import private_credit
from aicontagion.core.kinds import Status
from aicontagion.mechanisms import subscription_lines as sl
from aicontagion.model import ContagionModel
from aicontagion.scenarios.loader import ScenarioError
from tests.mechanisms.conftest import contract, row

CALL = 5.0  # USD bn each fund calls in month 1 (forced deal flow)


@pytest.fixture
def forced_call(monkeypatch):
    """Each private-credit fund asks ``CALL`` of dry powder in month 1 only."""

    def deal_flow(state, funds):
        return np.full(funds.size, CALL if state.month == 1 else 0.0)

    monkeypatch.setattr(private_credit, "deal_flow", deal_flow)


def _model(lag: int) -> ContagionModel:
    return ContagionModel(
        "ai_2025", productivity="base", seed=1, check_invariants=True, origination__call_lag_months=lag
    )


def _sublines(s, fund: str) -> np.ndarray:
    lines = sl.subline_rows(s)
    return lines[s.contracts.obligor[lines] == row(s, fund)]


def _uncalled(s, fund: str) -> float:
    stakes = sl.lp_stakes(s)
    return float(s.contracts.uncalled[stakes[s.contracts.obligor[stakes] == row(s, fund)]].sum())


def _steps(m: ContagionModel, n: int) -> None:
    for _ in range(n):
        m.step()


def test_without_a_lag_the_lps_pay_at_once_and_no_line_is_drawn(forced_call):
    m = _model(0)
    s = m.state
    _steps(m, 1)  # month 0
    drawn, uncalled = s.contracts.principal[_sublines(s, "blue_owl")].sum(), _uncalled(s, "blue_owl")
    m.step()  # month 1: the call is paid in the month it is made
    assert _uncalled(s, "blue_owl") < uncalled - 1.0
    assert s.contracts.principal[_sublines(s, "blue_owl")].sum() == pytest.approx(drawn)
    assert s.operations.origination.sublines.drawn == 0.0


def test_a_lagged_call_is_bridged_by_the_subline_and_repaid_when_the_lps_pay(forced_call):
    m = _model(3)
    s = m.state
    _steps(m, 1)
    lines = _sublines(s, "blue_owl")
    drawn, uncalled = s.contracts.principal[lines].sum(), _uncalled(s, "blue_owl")
    m.step()  # month 1: called, bridged at once; the LPs have not paid
    bridged = s.contracts.principal[lines].sum() - drawn
    assert bridged > 1.0
    assert bridged <= s.spec.origination.subline_advance_rate * uncalled + 1e-9  # within the borrowing base
    assert _uncalled(s, "blue_owl") >= uncalled  # not paid yet (new commitments only add to it)
    _steps(m, 2)  # months 2-3: still in flight
    assert s.contracts.principal[lines].sum() == pytest.approx(drawn + bridged)
    before = _uncalled(s, "blue_owl")
    m.step()  # month 4: the LPs pay and the bridge is repaid
    assert _uncalled(s, "blue_owl") < before - 1.0
    assert s.contracts.principal[lines].sum() == pytest.approx(drawn, abs=1e-6)
    assert s.lifecycle.status[row(s, "blue_owl")] == Status.ACTIVE


def test_an_lp_pays_a_call_only_when_alive_and_liquid_enough():
    s = _model(3).state
    lp = row(s, "life_insurers")
    s.lending.holder_ok[:] = True
    liquid = s.books.cash[lp] + s.books.holdings[lp] @ s.markets.marked_price
    assert sl.pays_calls(s, np.array([lp]), np.array([1.0]))[0]
    assert not sl.pays_calls(s, np.array([lp]), np.array([liquid + 1.0]))[0]  # its liquid assets do not cover the call
    s.lending.holder_ok[lp] = False
    assert not sl.pays_calls(s, np.array([lp]), np.array([1.0]))[0]


def test_an_lp_that_defaults_on_the_call_leaves_the_fund_to_repay_the_bridge(forced_call, monkeypatch):
    m = _model(3)
    s = m.state
    _steps(m, 1)
    lines = _sublines(s, "blue_owl")
    drawn = s.contracts.principal[lines].sum()
    _steps(m, 3)  # months 1-3: called and bridged
    insurers = row(s, "life_insurers")
    pays = sl.pays_calls
    monkeypatch.setattr(sl, "pays_calls", lambda state, lps, amounts: (lps != insurers) & pays(state, lps, amounts))
    stake = contract(s, "blue_owl_lp_insurers")
    m.step()  # month 4
    assert s.contracts.uncalled[stake] == 0.0  # forfeited
    assert [e for e in s.events.rows if e["event"] == "lp_call_default" and e["institution"] == "life_insurers"]
    assert s.contracts.principal[lines].sum() == pytest.approx(drawn, abs=1e-6)  # repaid from the fund's own cash
    assert s.operations.origination.sublines.defaulted > 0.0


def test_the_borrowing_base_excludes_an_lp_over_its_allocation_cap():
    m = _model(3)
    s = m.state
    fund = row(s, "blue_owl")
    base = sl.borrowing_base(s)[fund]
    assert base == pytest.approx(s.spec.origination.subline_advance_rate * _uncalled(s, "blue_owl"))
    pensions = row(s, "public_pensions")
    s.registry.params["pension_lp"]["max_private_share"][pensions] = 0.0  # over its cap
    assert sl.lp_distressed(s, np.array([pensions]))[0]
    pension_part = s.contracts.uncalled[contract(s, "blue_owl_lp_pensions")]
    assert sl.borrowing_base(s)[fund] == pytest.approx(base - s.spec.origination.subline_advance_rate * pension_part)


def test_a_negative_call_lag_is_rejected():
    with pytest.raises(ScenarioError, match="call_lag_months"):
        ContagionModel("ai_2025", origination__call_lag_months=-1)


def test_the_pending_calls_array_keeps_the_dict_arithmetic_it_replaces_as_the_table_grows():
    import numpy as np

    from aicontagion.mechanisms.subscription_lines import SublineBook, _pending

    rng = np.random.default_rng(3)
    sb, ref, size = SublineBook(), {}, 40
    for _ in range(30):
        size += int(rng.integers(0, 50))  # the table grows between months
        pending = _pending(sb, size)
        assert pending.size >= size
        made = rng.choice(size, 12, replace=False)  # calls made: unique stake rows
        x = rng.random(12)
        pending[made] += x
        for r, v in zip(made.tolist(), x.tolist(), strict=True):
            ref[r] = ref.get(r, 0.0) + v
        due = rng.choice(size, 8)  # calls falling due: a row may repeat
        paid = rng.random(8)
        np.subtract.at(_pending(sb, size), due, paid)
        for r, v in zip(due.tolist(), paid.tolist(), strict=True):
            ref[r] = ref.get(r, 0.0) - v
    want = np.array([ref.get(r, 0.0) for r in range(size)])
    assert np.array_equal(_pending(sb, size)[:size], want)  # bit for bit
    assert not _pending(sb, size)[size:].any()
