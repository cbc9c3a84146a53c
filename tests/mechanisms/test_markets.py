"""Markets: price impact calibration, simultaneous clearing, appraisal lag, mark-to-market."""

import math

import numpy as np
import pytest

from aicontagion.core.books import Books, Channel
from aicontagion.mechanisms.markets import Markets
from aicontagion.network.contracts import ContractTable, ContractType
from aicontagion.scenarios.schema import MarketSpec


def _setup(appraisal=1.0, model="exponential"):
    spec = MarketSpec(
        depth=100.0, impact=0.1, impact_share=0.05, resilience=0.5, appraisal=appraisal, impact_model=model
    )
    mk = Markets(["a"], [spec])
    books = Books(2, 1)
    books.holdings[:, 0] = [10.0, 30.0]
    books.equity[:] = books.holdings[:, 0]
    return mk, books, ContractTable()


@pytest.mark.parametrize("model", ["exponential", "linear"])
def test_selling_impact_share_of_depth_moves_price_by_impact(model):
    mk, books, c = _setup(model=model)
    orders = np.array([[5.0], [0.0]])  # 5 = 5% of depth 100
    mk.clear_sales(books, c, orders, np.zeros(0, int), np.zeros(0))
    assert mk.trade_price[0] == pytest.approx(0.9)


def test_sellers_get_midpoint_and_everyone_is_marked():
    mk, books, c = _setup()
    proceeds = mk.clear_sales(books, c, np.array([[5.0], [0.0]]), np.zeros(0, int), np.zeros(0))
    assert proceeds[0] == pytest.approx(5 * 0.95)
    assert proceeds[1] == 0
    # the non-seller lost 30 x 0.1 by mark-to-market; the seller its unsold 5 x 0.1 plus 5 x 0.05 on the sale
    assert books.equity[1] == pytest.approx(30 - 3.0)
    assert books.equity[0] == pytest.approx(10 - 0.5 - 0.25)
    assert np.abs(books.imbalance(c, mk.marked_price)).max() < 1e-12
    assert books.money_drift() == pytest.approx(0.0)


def test_simultaneous_orders_clear_as_one():
    """Two sellers of 2.5 each move the price exactly as one seller of 5 (orders clear together)."""
    mk, books, c = _setup()
    mk.clear_sales(books, c, np.array([[2.5], [2.5]]), np.zeros(0, int), np.zeros(0))
    assert mk.trade_price[0] == pytest.approx(0.9)


def test_beta_matches_the_inet_convention():
    """beta = -ln(1 - impact) / share, so 5% of depth sold at impact 0.1 -> exp(-beta*0.05) = 0.9."""
    mk, _, _ = _setup()
    assert mk.beta[0] == pytest.approx(-math.log(0.9) / 0.05)


def test_impact_fades_with_resilience():
    mk, books, c = _setup()
    mk.clear_sales(books, c, np.array([[5.0], [0.0]]), np.zeros(0, int), np.zeros(0))
    mk.relax(books, c)
    assert mk.trade_price[0] == pytest.approx(math.exp(-mk.beta[0] * 0.025))
    assert np.abs(books.imbalance(c, mk.marked_price)).max() < 1e-12


def test_appraisal_lag_marks_private_assets_slowly():
    mk, books, c = _setup(appraisal=0.25)
    mk.update_fundamentals(1.0, 1.0, 0.0, books, c)
    mk.fundamental[0] = 0.6
    target = mk.marked_fundamental + 0.25 * (mk.fundamental - mk.marked_fundamental)
    mk._remark(books, c, target, mk.marked_impact, channel=Channel.MARKET)
    assert mk.marked_price[0] == pytest.approx(0.9)  # a quarter of the way from 1.0 to 0.6
    assert mk.trade_price[0] == pytest.approx(0.6)


def test_traded_claims_are_sold_to_outsiders():
    mk, books, c = _setup()
    row = c.add(ContractType.BOND, 0, 1, "b", principal=10.0, rate=0.05, maturity=100, market=0)
    books.equity[0] += 10.0
    books.equity[1] -= 10.0
    proceeds = mk.clear_sales(books, c, np.zeros((2, 1)), np.array([row]), np.array([0.5]))
    assert c.principal[row] == pytest.approx(5.0)
    sold = c.size - 1
    assert c.creditor[sold] == -1 and c.principal[sold] == pytest.approx(5.0)
    assert proceeds[0] == pytest.approx(5.0 * 0.95)
    assert np.abs(books.imbalance(c, mk.marked_price)).max() < 1e-12


def _credit_book(**kw):
    spec = MarketSpec(
        depth=100.0,
        appraisal=0.3,
        fundamental="credit",
        default_rate=0.03,
        recovery=0.6,
        collateral_gpu_share=0.1,
        elasticity=1.0,
        duration=3.0,
        spread_beta=0.1,
        **kw,
    )
    mk = Markets(["loans"], [spec])
    books = Books(1, 1)
    books.holdings[:, 0] = 100.0
    books.equity[:] = 100.0
    return mk, books, ContractTable()


def test_credit_book_at_its_neutral_inputs_keeps_the_constant_price():
    """Sentiment and rents at their start, no spread change: the credit mark is the old constant 1."""
    mk, books, c = _credit_book()
    const = Markets(["loans"], [MarketSpec(depth=100.0, appraisal=0.3, fundamental="constant")])
    for month in range(24):
        mk.update_fundamentals(1.0, 1.0, np.zeros(1), books, c, month)
        const.update_fundamentals(1.0, 1.0, np.zeros(1), Books(1, 1), c, month)
        assert mk.marked_price[0] == const.marked_price[0] == 1.0
    assert books.equity[0] == 100.0


def test_stressed_borrowers_lower_the_mark_at_the_appraisal_lag():
    mk, books, c = _credit_book()
    mk.update_fundamentals(0.5, 0.5, np.array([0.02]), books, c, 1)
    # pd 0.06, lgd 1 - 0.6 x 0.95 = 0.43: loss 0.0258 - 0.012 + 0.1 x 0.02 = 0.0158 a year over 3 years
    assert mk.fundamental[0] == pytest.approx(1 - 3 * 0.0158)
    assert mk.marked_price[0] == pytest.approx(1 - 0.3 * 3 * 0.0158)  # a share 0.3 of the way
    assert books.equity[0] == pytest.approx(100 * mk.marked_price[0])
    assert books.pnl[0, Channel.MARKET] == pytest.approx(100 * (mk.marked_price[0] - 1))
    worse = _credit_book()[0]
    worse.update_fundamentals(0.3, 0.3, np.array([0.02]), Books(1, 1), c, 1)
    assert worse.fundamental[0] < mk.fundamental[0]  # monotone in the stress


def test_credit_inputs_are_strict():
    with pytest.raises(ValueError):
        MarketSpec(depth=1.0, fundamental="credit", recovery=1.5)
    with pytest.raises(ValueError):
        MarketSpec(depth=1.0, fundamental="credit", defualt_rate=0.03)
