"""Generate ``eba_2018.yaml``: the 48 EU banks of the EBA 2018 stress test as a model scenario.

    python -m aicontagion.scenarios.generate_eba_2018      # rewrites eba_2018.yaml

Balance sheets follow the open "Foundations of system-wide stress testing" model (Farmer,
Kleinnijenhuis, Nahai-Williamson, Wetzer): total assets = CET1 / (leverage / 100); cash 5% of
assets; government bonds as reported (``a+b`` parsed, never evaluated); corporate bonds = debt
securities - government bonds; other assets the rest; liabilities half loans, half other (here
both outside liabilities); equity = CET1. Amounts are converted from EUR millions to USD
billions. Government bonds are repriced once by ``shock`` in the first month; banks delever
toward a 5% leverage ratio when below 4% (the open model's threshold rule), selling into markets
whose depth is the banks' own initial holdings (as in the open model). The fire-sale experiment
that reproduces the open model run for run is :func:`aicontagion.validation.eba.eba_fire_sale`; this
scenario puts the same banks on the monthly clock with every other mechanism of the simulator.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aicontagion.scenarios.eba_data import load_eba_banks
from aicontagion.scenarios.generate_bank_2008 import render

OUT = Path(__file__).with_name("eba_2018.yaml")

PARAMS: dict[str, tuple[object, str]] = {
    "start": ("2018-01", "assumed (the EBA 2018 stress-test reference date is end-2017)"),
    "months": (36, "assumed"),
    "treasury_rate": (0.01, "assumed (euro-area 10y yields in 2018)"),
    "eur_usd": (1.18, "assumed (2018 average exchange rate)"),
    "cash_share": (0.05, "CAL European banks (the open model's rule: cash 5% of assets)"),
    "shock": (0.1, "assumed (a 10% government-bond repricing, inside the open model's swept range)"),
    "price_impact": (0.05, "assumed (inside the open model's swept range of impacts at 5% sold)"),
    "leverage_target": (0.05, "CAL European banks (the open model delevers toward 5%)"),
    "leverage_buffer": (0.04, "CAL European banks (the open model's threshold rule: act below 4%)"),
    "liability_rate": (0.015, "assumed"),
    "roa": (0.003, "assumed (EU banks' return on assets in 2018)"),
    "at_rest": (
        0.9,
        "assumed (a bank already below the rule at the start acts only below this share of its opening "
        "ratio and targets its opening ratio, so the system starts at rest)",
    ),
}


def _p(name: str):
    return PARAMS[name][0]


def build() -> dict:
    """The scenario as a mapping."""
    b = load_eba_banks()
    scale = _p("eur_usd") / 1000.0  # EUR mn -> USD bn
    institutions, gov_total, corp_total = [], 0.0, 0.0
    for k, ident in enumerate(b.ids):
        assets = float(b.assets[k]) * scale  # CET1 / (leverage / 100)
        equity = float(b.cet1[k]) * scale
        gov = float(b.gov_bonds[k]) * scale
        corp = float(b.corp_bonds[k]) * scale
        gov_total += gov
        corp_total += corp
        institutions.append(
            {
                "id": ident.lower(),
                "kind": "bank",
                "cash": round(_p("cash_share") * assets, 6),
                "equity": round(equity, 6),
                "holdings": {"gov_bonds": round(gov, 6), "corp_bonds": round(corp, 6)},
                "ext_liabilities": round(assets - equity, 6),
                "ext_liability_rate": _p("liability_rate"),
                "core_cash_flow": round(_p("roa") * assets + _p("liability_rate") * (assets - equity), 6),
                "params": {
                    "leverage_target": round(min(_p("leverage_target"), equity / assets), 6),
                    "leverage_buffer": round(min(_p("leverage_buffer"), _p("at_rest") * equity / assets), 6),
                },
            }
        )
    institutions.append({"id": "government", "kind": "government", "cash": 0.0, "equity": 0.0})
    market = {"impact": _p("price_impact"), "impact_share": 0.05, "resilience": 0.0}
    return {
        "name": "eba_2018",
        "description": "The 48 EU banks of the EBA 2018 stress test, with a government-bond repricing",
        "start": _p("start"),
        "months": _p("months"),
        "treasury_rate": _p("treasury_rate"),
        "productivity": {
            "default": "none",
            "initial_revenue": 1.0,
            "initial_growth": 0.0,
            "noise_sigma": 0.0,
            "paths": {"none": {"ceiling": 0.002, "midpoint": "2018-01", "steepness": 0.1}},
        },
        "markets": {
            "gov_bonds": {"depth": round(gov_total, 4), **market, "shocks": [{"at": "2018-02", "fall": _p("shock")}]},
            "corp_bonds": {"depth": round(corp_total, 4), **market},
        },
        "behaviour": {"bank": {"leverage_target": _p("leverage_target"), "leverage_buffer": _p("leverage_buffer")}},
        "institutions": institutions,
        "contracts": [],
    }


def expected_text() -> str:
    """The generated YAML text."""
    return render(build(), PARAMS, "generate_eba_2018", "CAL European banks rows")


def main() -> int:
    OUT.write_text(expected_text())
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
