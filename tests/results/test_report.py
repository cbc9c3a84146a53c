"""Text tables: one number format, intervals over seeds, and every table says its seeds."""

import re

import numpy as np
import pandas as pd

from aicontagion.results.report import comparison_table, fmt, format_comparison, format_summary

SCI = re.compile(r"\d[eE][+-]?\d")  # 1.39e+03


def _table(seeds):
    rng = np.random.default_rng(0)
    rows = []
    for setup in ("base", "disproven"):
        for s in seeds:
            rows.append(
                {
                    "setup": setup,
                    "seed": s,
                    "scenario": "ai_2025",
                    "months_to_first_default": np.nan if (setup == "base" and s % 2) else 100.0 + s,
                    "defaults": float(s % 3),
                    "total_loss": 1000.0 + 500 * rng.random(),
                    "system_loss_ratio": 0.0666667,
                    "fiscal_cost": 0.0,
                    "defaults_by_kind.neocloud": float(s % 2),
                    "losses_by_holder_kind.pension_lp": 1391.13,
                    "losses_by_holder_kind.bank": 0.0,
                }
            )
    return pd.DataFrame(rows)


def test_one_number_format():
    assert fmt(1391.125) == "1,391.1"
    assert fmt(0.0666667, "share") == "6.67%"
    assert fmt(0.85312, "index") == "0.853"
    assert fmt(float("nan")) == "-" and fmt(None) == "-"


def test_comparison_gives_means_with_intervals_and_counts():
    t = _table(range(10))
    c = comparison_table(t)
    assert list(c.columns) == ["base", "disproven"]
    g = t[t.setup == "disproven"]["total_loss"]
    want = f"{g.mean():,.1f} [{g.quantile(0.05):,.1f}, {g.quantile(0.95):,.1f}]"
    assert c.loc["financial losses (USD bn)", "disproven"] == want
    assert c.loc["months to first default", "base"].endswith("(5/10)")  # 5 of 10 runs had a default
    assert "losses borne by bank" not in c.index  # zero in every run
    assert c.loc["losses / system assets", "base"].startswith("6.67%")


def test_tables_state_their_seeds_and_never_use_scientific_notation():
    many = format_comparison(_table(range(10)))
    assert many.splitlines()[0] == "ai_2025: mean [5%-95% interval] over 10 seeds (0-9) per setup"
    one = format_comparison(_table([1]))
    assert "one run per setup (seed 1)" in one.splitlines()[0] and "not means" in one
    assert "[" not in one.split("\n", 1)[1]  # no intervals from one seed
    for text in (many, one):
        assert not SCI.search(text)
        assert "1,391.1" in text


def test_summary_table_format_and_provenance():
    summary = {
        "total_loss": 2525.123,
        "system_loss_ratio": 0.0920,
        "losses_by_holder_kind": {"pension_lp": 1391.13, "bank": 0.0},
        "thermometer": {"spv_bond_price": 82.3456, "utilisation": 0.5432},
        "seed": 7,
        "scenario": "ai_2025",
        "scenario_hash": "abc",
        "code_version": "0.1.0",
    }
    text = format_summary(summary, title="ai_2025 / disproven / seed 7")
    assert "2,525.1" in text and "9.20%" in text and "1,391.1" in text and "82.346" in text
    assert "bank" not in text and not SCI.search(text)
    assert text.splitlines()[-1].startswith("seed 7; scenario ai_2025 (hash abc)")
