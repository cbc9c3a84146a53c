"""Synthetic systems: proportions, heavy tails, core-periphery links, balanced sheets, valid runs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import ContractType
from aicontagion.scenarios import System, core_periphery_banks, synthetic
from aicontagion.scenarios.loader import ScenarioError
from aicontagion.scenarios.synthetic import kind_counts
from aicontagion.scenarios.synthetic_build import describe

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_valid(system: System, per_institution: float) -> None:
    b, c = system.books, system.contracts
    prices = np.ones(b.holdings.shape[1])
    gap = b.assets(c, prices) - b.liabilities(c) - b.equity
    assert np.abs(gap).max() < 1e-9 * max(1.0, np.abs(b.equity).max())
    assert (b.other_assets >= 0).all() and (b.cash >= 0).all() and (b.ext_liab >= 0).all()
    assert np.isfinite(b.equity).all() and (b.equity >= 0).all()
    assert (c.creditor != c.obligor).all()
    assert ((c.creditor >= 0) & (c.creditor < system.n) & (c.obligor >= 0) & (c.obligor < system.n)).all()
    stake = c.is_stake
    held = np.bincount(c.obligor[stake], weights=c.share[stake], minlength=system.n)
    assert held.max() <= 1.0 + 1e-12
    assert (c.maturity >= c.start).all() and (c.principal >= 0).all()
    assert (c.principal[c.is_debt] <= c.limit[c.is_debt] + 1e-12).all()
    assert len(c) <= per_institution * system.n + 0.2 * system.n + 50
    assert len(set(system.ids)) == system.n


@SETTINGS
@given(n=st.integers(9, 80), per=st.floats(2, 12), seed=st.integers(0, 2**16))
def test_synthetic_systems_balance_and_survive_months_with_invariants(n, per, seed):
    system = synthetic(n, per, seed=seed)
    _check_valid(system, per)
    members = describe(system)["members"]
    assert all(members[k.label] >= 1 for k in kind_counts(n)) and members["money_market_fund"] == 0
    ac.Sim(system, productivity="disproven", seed=seed, months=6, check_invariants=True).run()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(7, 80), per=st.floats(2, 12), seed=st.integers(0, 2**16))
def test_bank_systems_balance_and_survive_months_with_invariants(n, per, seed):
    system = core_periphery_banks(n, per, seed=seed)
    _check_valid(system, per)
    members = describe(system)["members"]
    assert members["bank"] >= 4 and members["money_market_fund"] >= 1 and members["government"] == 1
    ac.Sim(system, seed=seed, months=4, check_invariants=True).run()


@pytest.mark.parametrize("n", [9, 10, 15, 50, 1_000, 10_000, 100_000, 300_000])
def test_kind_counts_add_up_and_have_every_kind(n):
    counts = kind_counts(n)
    assert sum(counts.values()) == n
    assert all(v >= 1 for v in counts.values())
    assert counts[Kind.GOVERNMENT] == 1 and len(counts) == 9  # the AI system's nine kinds


def test_kind_proportions_at_scale():
    counts = kind_counts(100_000)
    assert 3 <= counts[Kind.TECH_GIANT] <= 10 and 2 <= counts[Kind.CHIP_SUPPLIER] <= 10  # a handful
    assert 10 <= counts[Kind.AI_LAB] < 100 and 10 <= counts[Kind.NEOCLOUD] < 100  # tens
    assert 100 <= counts[Kind.SPV] <= 10_000 and 100 <= counts[Kind.PRIVATE_CREDIT_FUND] <= 10_000
    assert counts[Kind.BANK] + counts[Kind.PENSION_LP] > 0.9 * 100_000  # banks and LPs: many
    assert counts[Kind.BANK] > 10 * counts[Kind.SPV]


def test_mix_sets_counts_or_shares_and_rejects_bad_input():
    counts = kind_counts(1000, tech_giant=12, bank=0.5)
    assert counts[Kind.TECH_GIANT] == 12 and counts[Kind.BANK] == 500 and sum(counts.values()) == 1000
    with pytest.raises(ValueError, match="unknown kind"):
        kind_counts(100, hedge_fund=3)
    with pytest.raises(ValueError, match="unknown kind"):
        kind_counts(100, money_market_fund=3)  # the bank path's kind: core_periphery_banks
    with pytest.raises(ValueError, match="does not add up"):
        kind_counts(100, bank=60, pension_lp=60)
    with pytest.raises(ValueError, match="at least 9"):
        synthetic(5)


def test_sizes_are_heavy_tailed_and_links_core_periphery():
    system = synthetic(5_000, 10, seed=3)
    assets = system.books.assets(system.contracts, np.ones(system.books.holdings.shape[1]))
    banks = np.sort(assets[system.kind == Kind.BANK])[::-1]
    assert banks[: banks.size // 100].sum() > 0.2 * banks.sum()  # top 1% of banks: over a fifth of bank assets
    c = system.contracts
    degree = np.bincount(np.concatenate([c.creditor, c.obligor]), minlength=system.n)
    rows = np.flatnonzero(system.kind == Kind.BANK)
    big, small = rows[: rows.size // 100], rows[rows.size // 2 :]  # rows are largest first within a kind
    assert degree[big].mean() > 10 * degree[small].mean()  # big institutions connect to many
    assert (degree[rows] >= 1).all()  # everyone is connected


def test_bank_periphery_deals_only_with_the_core():
    system = core_periphery_banks(400, 10, seed=1, core_share=0.05)
    c = system.contracts
    core = {r for r, i in enumerate(system.ids) if i.startswith("core_")}
    periphery = {r for r, i in enumerate(system.ids) if i.startswith("periphery_")}
    assert len(core) == round(0.05 * (len(core) + len(periphery)))
    bank_links = [
        (a, b) for a, b in zip(c.creditor.tolist(), c.obligor.tolist(), strict=True) if a in periphery or b in periphery
    ]
    assert bank_links and all(a in core or b in core for a, b in bank_links)  # no periphery-periphery contract
    repo = np.flatnonzero(c.ctype == ContractType.REPO)
    assert set(c.obligor[repo].tolist()) <= core and (system.kind[c.creditor[repo]] == Kind.MONEY_MARKET_FUND).all()
    assert (c.collateral[repo] >= 0).all()
    equity_ratio = system.books.equity[sorted(core)] / system.books.assets(c, np.ones(3))[sorted(core)]
    assert (equity_ratio < 0.06).all()  # dealers: leverage above 17


def test_same_seed_same_system_and_reruns_of_a_prebuilt_system_agree():
    a, b = synthetic(200, seed=7), synthetic(200, seed=7)
    np.testing.assert_array_equal(a.contracts.principal, b.contracts.principal)
    np.testing.assert_array_equal(a.books.equity, b.books.equity)
    assert not np.array_equal(a.contracts.principal[:50], synthetic(200, seed=8).contracts.principal[:50])
    # a Sim copies the system for each run: two runs of one System give the same results
    one = ac.Sim(a, productivity="disproven", seed=2, months=12).run().summary_row()
    two = ac.Sim(a, productivity="disproven", seed=2, months=12).run().summary_row()
    assert _same(one, two)


def _same(x: dict, y: dict) -> bool:
    assert x.keys() == y.keys()
    for k in x:
        assert x[k] == y[k] or (x[k] != x[k] and y[k] != y[k]), k
    return True


def test_scenario_level_overrides_apply_and_bad_ones_are_clear():
    system = synthetic(30, overrides={"funding.spread_distress": 0.1, "productivity.noise_sigma": 0.0})
    assert system.spec.funding.spread_distress == 0.1 and system.spec.productivity.noise_sigma == 0.0
    with pytest.raises(ScenarioError, match="funding.spread_distres"):
        synthetic(30, overrides={"funding.spread_distres": 0.1})
    with pytest.raises(ScenarioError, match="no item with id"):
        synthetic(30, overrides={"institutions.meta.cash": 1.0})
