"""Default resolution: seniority waterfall, write-offs, an emptied estate, balanced books."""

import numpy as np
import pytest

from aicontagion.core.books import Books, Channel
from aicontagion.core.params import Resolution
from aicontagion.mechanisms.markets import Markets
from aicontagion.mechanisms.resolution import resolve
from aicontagion.network.contracts import ContractTable, ContractType, Seniority
from aicontagion.scenarios.schema import MarketSpec


def _estate(cash=10.0, facility=0.0):
    """Institution 0 owes: 6 secured to 1, 4 + 4 senior to 2 and 3, 5 subordinated to 4; it holds
    cash and a facility (the secured lender's collateral)."""
    b = Books(5, 1)
    c = ContractTable()
    debts = [
        (1, 6.0, Seniority.SECURED),
        (2, 4.0, Seniority.SENIOR),
        (3, 4.0, Seniority.SENIOR),
        (4, 5.0, Seniority.SUBORDINATED),
    ]
    for lender, amount, sen in debts:
        c.add(ContractType.LOAN, lender, 0, None, principal=amount, rate=0.0, maturity=100, seniority=sen)
    b.cash[0] = cash
    b.facility[0] = facility
    b.cash[1:] = 1.0
    b.equity = b.assets(c, np.ones(1)) - b.liabilities(c)
    b.cash_at_start = b.cash.sum()
    mk = Markets(["x"], [MarketSpec(depth=100)])
    return b, c, mk


def test_waterfall_pays_by_seniority_then_pro_rata():
    b, c, mk = _estate(cash=4.0, facility=6.0)
    res = resolve(
        b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.0), 1.0, np.full(5, int(Channel.COUNTERPARTY))
    )
    # collateral 6 pays the secured 6 in full, then 4 of cash is shared by the two seniors (2 each),
    # nothing subordinated
    np.testing.assert_allclose(b.cash, [0.0, 7.0, 3.0, 3.0, 1.0])
    assert res.recovered[0] == pytest.approx(10.0) and res.claims[0] == pytest.approx(19.0)
    np.testing.assert_allclose(res.creditor_loss, [0, 0, 2, 2, 5])
    assert not c.active[:4].any()
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12
    assert b.equity[0] == pytest.approx(0.0)
    assert b.money_drift() == pytest.approx(0.0)


def test_secured_lenders_recover_from_their_collateral_then_rank_with_the_seniors():
    b, c, mk = _estate(cash=8.0, facility=2.0)
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.0), 1.0, np.full(5, int(Channel.COUNTERPARTY)))
    # collateral 2 to the secured lender; its deficiency 4 ranks with the seniors' 4 + 4: 8 / 12 each
    np.testing.assert_allclose(b.cash, [0.0, 1.0 + 2.0 + 4.0 * 8 / 12, 1.0 + 4.0 * 8 / 12, 1.0 + 4.0 * 8 / 12, 1.0])
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12
    assert b.money_drift() == pytest.approx(0.0)


def test_an_empty_facility_sells_at_its_relet_value():
    b, c, mk = _estate(cash=0.0, facility=10.0)
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.1), 0.5, np.full(5, int(Channel.COUNTERPARTY)))
    # rent index 0.5: the buyer pays 10 x 0.5 x (1 - 0.1) = 4.5, all to the secured lender
    assert b.cash[1] == pytest.approx(1.0 + 4.5)
    assert b.external.inflow["liquidation"] == pytest.approx(4.5)


def test_preferred_deposits_rank_ahead_of_senior_debt():
    b, c, mk = _estate(cash=6.0)
    b.ext_liab[0] = 3.0
    b.equity[0] -= 3.0
    pref = np.array([True, False, False, False, False])
    resolve(
        b,
        c,
        mk,
        np.array([0]),
        0,
        Resolution(bankruptcy_cost=0.0),
        1.0,
        np.full(5, int(Channel.COUNTERPARTY)),
        preferred_outside=pref,
    )
    # no collateral: depositors 3 first, then 3 shared by secured (as unsecured) 6 and seniors 4 + 4
    assert b.external.outflow["recovery"] == pytest.approx(3.0)
    np.testing.assert_allclose(b.cash, [0.0, 1.0 + 3 * 6 / 14, 1.0 + 3 * 4 / 14, 1.0 + 3 * 4 / 14, 1.0])


def test_losses_carry_the_root_channel():
    b, c, mk = _estate(cash=0.0, facility=6.0)
    cause = np.full(5, int(Channel.COUNTERPARTY))
    cause[0] = Channel.STRATEGIC_DEFAULT
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.0), 1.0, cause)
    assert b.pnl[2, Channel.STRATEGIC_DEFAULT] == pytest.approx(-4.0)
    assert b.pnl[4, Channel.STRATEGIC_DEFAULT] == pytest.approx(-5.0)


def test_bankruptcy_cost_is_deadweight():
    b, c, mk = _estate(cash=0.0, facility=10.0)
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.3), 1.0, np.full(5, int(Channel.COUNTERPARTY)))
    assert b.cash[1] == pytest.approx(1.0 + 6.0)  # 7 realised: secured 6, then 1 for the seniors
    assert b.cash[2] == pytest.approx(1.5)
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12
    assert b.external.inflow["liquidation"] == pytest.approx(7.0)


def test_surplus_goes_to_shareholders():
    b, c, mk = _estate(cash=30.0)
    stake = c.add(ContractType.EQUITY, 4, 0, None, share=0.25)
    c.principal[stake] = 0.25 * b.equity[0]
    b.equity[4] += c.principal[stake]
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.0), 1.0, np.full(5, int(Channel.COUNTERPARTY)))
    # 30 - 19 owed = 11 surplus; the 25% holder gets 2.75, outsiders the rest
    assert b.cash[4] == pytest.approx(1.0 + 5.0 + 2.75)
    assert b.cash[0] == pytest.approx(0.0)


def _offtake_estate():
    """Customer 0 (cash 10, no other debt) takes an offtake of 1 a month to month 60 from provider 1
    (cash 1, no facility)."""
    b = Books(2, 1)
    c = ContractTable()
    c.add(ContractType.OFFTAKE, 1, 0, None, payment=1.0, maturity=60, take_or_pay=1.0)
    b.cash[:] = [10.0, 1.0]
    b.equity = b.assets(c, np.ones(1)) - b.liabilities(c)
    b.cash_at_start = b.cash.sum()
    return b, c, Markets(["x"], [MarketSpec(depth=100)])


def test_a_provider_books_no_gain_when_its_customer_defaults_the_recovery_is_earned_as_the_payments_fall_due():
    """Hand-worked: customer 0 (cash 10, no other debt) defaults in month 0 on an offtake of 1 a
    month to month 60 from provider 1 (no facility): 60 payments left after this month's. The
    provider's claim is 12 months of payments (s.502(b)(6)): 12, of which the estate pays 10. The
    provider never carried the 60 payments as an asset, so the 10 replaces payments it will not
    receive: its equity does not move at the default, it carries 10 of unearned income, and earns
    10 / 60 a month over the 60 months left."""
    b, c, mk = _offtake_estate()
    equity_before = b.equity[1]
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.0), 1.0, np.full(2, int(Channel.COUNTERPARTY)))
    assert b.cash[1] == pytest.approx(11.0)  # the recovery is real cash
    assert b.equity[1] == pytest.approx(equity_before)  # but not a gain
    assert b.deferred[1] == pytest.approx(10.0) and b.deferred_release[1] == pytest.approx(10.0 / 60)
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12 and b.money_drift() == pytest.approx(0.0)
    earned = [b.earn_deferred(Channel.COUNTERPARTY)[1] for _ in range(61)]
    np.testing.assert_allclose(earned[:60], 10.0 / 60)
    assert earned[60] == 0.0 and b.deferred[1] == 0.0
    assert b.equity[1] == pytest.approx(equity_before + 10.0)
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12


def test_immediate_lease_claim_income_is_the_ablation_a_gain_at_the_default():
    """Same estate as above with ``lease_claim_income: immediate``: the 10 recovered is income in
    the month of the default (the accounting the deferral replaced), nothing is deferred."""
    b, c, mk = _offtake_estate()
    equity_before = b.equity[1]
    rules = Resolution(bankruptcy_cost=0.0, lease_claim_income="immediate")
    resolve(b, c, mk, np.array([0]), 0, rules, 1.0, np.full(2, int(Channel.COUNTERPARTY)))
    assert b.cash[1] == pytest.approx(11.0)
    assert b.equity[1] == pytest.approx(equity_before + 10.0)
    assert b.deferred[1] == 0.0 and b.deferred_release[1] == 0.0
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12 and b.money_drift() == pytest.approx(0.0)


def test_a_defaulters_unearned_income_ends_with_its_estate():
    b = Books(2, 1)
    c = ContractTable()
    b.cash[:] = [5.0, 1.0]
    b.equity = b.assets(c, np.ones(1)) - b.liabilities(c)
    b.defer(np.array([0]), np.array([4.0]), np.array([10]))
    b.cash[0] += 4.0  # the cash that came with it
    b.cash_at_start = b.cash.sum()
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12
    mk = Markets(["x"], [MarketSpec(depth=100)])
    resolve(b, c, mk, np.array([0]), 0, Resolution(bankruptcy_cost=0.0), 1.0, np.full(2, int(Channel.COUNTERPARTY)))
    assert b.deferred[0] == 0.0 and b.deferred_release[0] == 0.0
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12 and b.money_drift() == pytest.approx(0.0)
