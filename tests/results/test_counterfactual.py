"""Counterfactual measurement (aicontagion.results.counterfactual): shocked minus unshocked runs."""

import numpy as np
import pandas as pd
import pytest

import aicontagion as ac
from aicontagion.results.counterfactual import excess_rows, excess_series, first_positive, months_to_share, over_seeds

SHOCK = {"markets__mbs__shocks": [{"at": "2007-03", "fall": 0.05}]}


def test_the_excess_of_a_run_over_itself_is_exactly_zero():
    kw = {"scenario": "bank_2008", "months": 12} | SHOCK
    ms = ac.compare({"a": kw, "b": kw}, seeds=[0, 1])
    rows = excess_rows(ms.summaries, ms.series, {"same": ("a", "a"), "twin": ("a", "b")}, shock_step=3)
    assert len(rows) == 4
    num = rows.drop(columns=["comparison", "seed"])
    timing = [c for c in num if c.startswith(("months_to", "days_", "interbank_volume"))]
    assert (num.drop(columns=timing).to_numpy() == 0.0).all()  # exactly, not approximately
    assert num[timing].isna().all().all()  # no excess: no timing


def test_a_shock_has_a_positive_excess_and_timings_after_it():
    base = {"scenario": "bank_2008", "months": 12, "markets__mbs__shocks": []}
    ms = ac.compare({"hit": base | SHOCK, "none": base}, seeds=[0])
    row = excess_rows(ms.summaries, ms.series, {"x": ("hit", "none")}, shock_step=3).iloc[0]
    assert row["excess_loss"] > 0 and row["excess_peak_loss"] >= row["excess_loss"] - 1e-9
    assert 0 <= row["months_to_50pct_excess"] <= row["months_to_90pct_excess"] <= 9
    assert row["excess_loss.bank"] == pytest.approx(
        row["excess_loss"] - sum(v for k, v in row.items() if k.startswith("excess_loss.") and k != "excess_loss.bank")
    )


def test_timing_on_a_hand_made_excess_series():
    # shock in step 2; the excess peaks at 20 in step 6 after a recovery from 10 to 4
    ex = pd.Series([0.0, 0.0, 10.0, 4.0, 10.0, 12.0, 20.0, 15.0], index=range(8))
    assert months_to_share(ex, 0.5, shock_step=2) == 0  # 10 >= 50% of the peak 20, in the shock month
    assert months_to_share(ex, 0.9, shock_step=2) == 4  # 18 first reached by the running max in step 6
    assert months_to_share(ex, 0.55, shock_step=2) == 3  # 11: step 5 (12); the dip to 4 does not count
    assert months_to_share(ex, 1.0, shock_step=2) == 4
    assert np.isnan(months_to_share(ex * 0, 0.5, shock_step=2))
    assert np.isnan(months_to_share(-ex, 0.5, shock_step=2))  # a shock that only lowers losses
    assert months_to_share(pd.Series([5.0, 0.0, 1.0, 2.0], index=range(4)), 0.5, shock_step=1) == 1  # before: ignored


def test_first_excess_default_and_clock_checks():
    assert first_positive(pd.Series([0, 1, 0, 2, 3], index=range(5)), shock_step=2) == 1
    assert np.isnan(first_positive(pd.Series([0, 0, 0], index=range(3)), shock_step=0))
    with pytest.raises(ValueError, match="same months"):
        excess_series(pd.Series([1.0, 2.0], index=[0, 1]), pd.Series([1.0, 2.0, 3.0], index=[0, 1, 2]))


def test_over_seeds_gives_mean_and_quantiles_of_the_values_present():
    rows = pd.DataFrame({"comparison": ["a"] * 3, "seed": [0, 1, 2], "x": [1.0, 2.0, 3.0], "t": [1.0, np.nan, 3.0]})
    s = over_seeds(rows).set_index("metric")
    assert s.loc["x", "mean"] == 2.0 and s.loc["x", "q05"] == pytest.approx(1.1) and s.loc["x", "q95"] == 2.9
    assert s.loc["t", "seeds"] == 2 and s.loc["t", "mean"] == 2.0


def test_days_are_reported_only_where_sub_steps_resolve_an_excess_bank_default():
    base = {"scenario": "bank_2008", "months": 12, "markets__mbs__shocks": []}
    hit = base | {"markets__mbs__shocks": [{"at": "2007-03", "fall": 0.15}]}  # every dealer fails
    ms = ac.compare({"hit": hit, "none": base, "monthly": hit | {"funding__liquidity_substeps": 1}}, seeds=[0])
    pairs = {"weekly": ("hit", "none"), "monthly": ("monthly", "none"), "self": ("hit", "hit")}
    rows = excess_rows(ms.summaries, ms.series, pairs, shock_step=3).set_index("comparison")
    assert rows.loc["weekly", "excess_defaults"] > 0
    # the shock lands on day 0 of 2007-03 (month 2); the first default is in the same month
    assert 0 <= rows.loc["weekly", "days_shock_to_first_bank_default"] <= 30
    assert rows.loc["weekly", "days_interbank_freeze"] >= 0 and rows.loc["weekly", "interbank_volume_drop"] > 0.5
    assert np.isnan(rows.loc["monthly", "days_shock_to_first_bank_default"])  # monthly clock: not resolved
    assert np.isnan(rows.loc["self", "days_shock_to_first_bank_default"])  # the unshocked side defaults too
