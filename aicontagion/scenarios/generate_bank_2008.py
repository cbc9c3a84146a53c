"""Generate ``bank_2008.yaml``: a 2007-08 style banking system on the model's monthly clock.

    python -m aicontagion.scenarios.generate_bank_2008      # rewrites bank_2008.yaml

About 20 core dealers and investment banks (leverage 25-40x; Lehman, Bear Stearns, Merrill
Lynch, Morgan Stanley and Goldman Sachs at their FY2007 size and leverage, without deposits; the
others universal banks with deposits; MBS share and repo share drawn per dealer) and 100
periphery banks on a core-periphery interbank network; money-market funds lending to the dealers
in repo (with haircuts on MBS and government collateral) and commercial paper; insured deposits;
mortgage-backed securities as the common asset, repriced in steps from mid-2007. Every number
comes from :data:`PARAMS`, each with its source (a row of docs/calibration.md or ``assumed``);
the generated file says so on every line. Sizes and links are drawn from a seeded generator, so
the file is reproducible (a test checks it is up to date).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

OUT = Path(__file__).with_name("bank_2008.yaml")

# name: (value, source)
PARAMS: dict[str, tuple[object, str]] = {
    "seed": (2008, "assumed (draws of sizes and links)"),
    "start": ("2007-01", "assumed (before the first MBS losses)"),
    "months": (60, "assumed (2007-2011)"),
    "treasury_rate": (0.045, "assumed (2007 10y Treasury)"),
    "n_core": (20, "assumed (the issue: about 20 core dealers)"),
    "n_periphery": (100, "assumed (the issue: at least 100 periphery banks)"),
    "lehman_assets": (639.0, "CAL 2008 benchmarks/Lehman"),
    "lehman_leverage": (31.0, "CAL 2008 benchmarks/Lehman"),
    "core_leverage": ((25.0, 40.0), "CAL 2008 benchmarks/investment-bank leverage"),
    "core_size": ((500.0, 0.6, 150.0, 2500.0), "assumed (lognormal median, sigma, bounds; USD bn)"),
    "investment_banks": (
        (
            ("bear_stearns", 395.0, 33.5),
            ("merrill_lynch", 1020.0, 32.0),
            ("morgan_stanley", 1045.0, 33.4),
            ("goldman_sachs", 1120.0, 26.2),
        ),
        "CAL 2008 benchmarks/investment-bank balance sheets (total assets, assets / equity, FY2007 10-K)",
    ),
    "periphery_leverage": ((10.0, 15.0), "assumed (commercial banks)"),
    "periphery_size": ((15.0, 1.0, 1.0, 200.0), "assumed (lognormal median, sigma, bounds; USD bn)"),
    "core_mbs": ((0.05, 0.15), "assumed (share of assets in MBS, drawn uniformly per dealer)"),
    "core_ig": (0.12, "assumed"),
    "core_gov": (0.08, "assumed"),
    "core_repo": (
        (0.15, 0.35),
        "assumed (share of assets funded by repo, drawn uniformly per dealer, capped at 90% of its securities)",
    ),
    "core_cp": (0.05, "assumed (commercial paper sold to money-market funds)"),
    "core_interbank_lend": (0.04, "assumed (lending to other dealers)"),
    "core_deposits": (
        0.25,
        "assumed (deposits of the universal banks among the dealers; the investment banks took none, "
        "CAL 2008 benchmarks/timeline: GS/MS became bank holding companies only in Sep 2008)",
    ),
    "periphery_mbs": (0.08, "assumed"),
    "periphery_gov": (0.10, "assumed"),
    "periphery_interbank_lend": (0.08, "assumed (fed funds lent to dealers)"),
    "periphery_deposits": (0.80, "assumed"),
    "roa": (0.01, "assumed (return on assets before funding costs)"),
    "deposit_rate": (0.03, "assumed"),
    "debt_rate": (0.055, "assumed"),
    "repo_rate": (0.05, "assumed"),
    "interbank_rate": (0.052, "assumed (fed funds + a spread)"),
    "haircut_gov": (0.02, "assumed"),
    "haircut_mbs": (0.05, "assumed (structured-product haircuts were near zero before 2007)"),
    "haircut_sensitivity": (1.5, "assumed (haircuts on structured products rose to ~45% by 2008)"),
    "liquidity_substeps": (
        4,
        "assumed (weekly funding sub-steps: runs took days, CAL 2008 benchmarks/Bear Stearns run; "
        "a week is the model's maturity-ladder slice)",
    ),
    "mmf_total": (2860.0, "derived (outflows ~200 were 7% of assets, CAL 2008 benchmarks/money-market run)"),
    "n_mmf": (5, "assumed"),
    "reserve_primary_assets": (62.0, "assumed (Reserve Primary before the run; CAL 2008 benchmarks/money-market run)"),
    "reserve_primary_lehman": (0.785, "CAL 2008 benchmarks/money-market run"),
    "mmf_repo": (0.55, "assumed (share of MMF assets in dealer repo)"),
    "mmf_cp": (0.15, "assumed (share in dealer commercial paper)"),
    "mmf_gov": (0.28, "assumed"),
    "mbs_depth": (8000.0, "assumed (US mortgage-backed securities outstanding, agency and private-label)"),
    "mbs_impact": (
        0.039,
        "docs/calibration.md fire-sale price impact (Greenwood, Landier and Thesmar 2015: 10bp per USD 10bn "
        "sold, so 400bn, 5% of the market, moves the price 1 - exp(-0.04)); range [0.01, 0.15], the upper end the "
        "distressed-CDO prices of CAL 2008 benchmarks/fire-sale prices (22 against marks of 36)",
    ),
    "leverage_adjustment": (
        0.2,
        "assumed, range [0.1, 0.5] (monthly share of the gap to target leverage a dealer closes: banks adjust "
        "over quarters, Memmel and Raupach 2010, Begenau et al. 2019; 0.2 closes half the gap in about 3 months)",
    ),
    "mbs_shocks": (
        (("2007-07", 0.03), ("2007-11", 0.04), ("2008-03", 0.05), ("2008-09", 0.08)),
        "assumed (a stepwise repricing of about 19% over 2007-08, shaped like the AAA subprime index)",
    ),
}


def _p(name: str):
    return PARAMS[name][0]


def _lognormal(rng, n, median, sigma, lo, hi):
    return np.clip(median * np.exp(sigma * rng.standard_normal(n)), lo, hi)


def build() -> dict:
    """The scenario as a mapping (institutions, contracts, markets, behaviour)."""
    rng = np.random.default_rng(_p("seed"))
    nc, npf = _p("n_core"), _p("n_periphery")
    core_sizes = _lognormal(rng, nc, *_p("core_size"))
    core_sizes[0] = _p("lehman_assets")
    core_lev = rng.uniform(*_p("core_leverage"), nc)
    core_lev[0] = _p("lehman_leverage")
    per_sizes = _lognormal(rng, npf, *_p("periphery_size"))
    per_lev = rng.uniform(*_p("periphery_leverage"), npf)
    core_ids = ["lehman"] + [f"dealer_{k:02d}" for k in range(1, nc)]
    # the other four large investment banks at their FY2007 size and leverage (the rest drawn);
    # drawn after the draws above so the periphery and the other dealers keep their sizes
    ibanks = _p("investment_banks")
    for k, (ident, assets, leverage) in enumerate(ibanks, start=1):
        core_ids[k], core_sizes[k], core_lev[k] = ident, assets, leverage
    investment_bank = np.arange(nc) <= len(ibanks)  # Lehman and the four: no deposits
    core_mbs = rng.uniform(*_p("core_mbs"), nc)  # MBS concentration and funding mix differ by dealer
    securities = core_mbs + _p("core_ig") + _p("core_gov")
    core_repo = np.minimum(rng.uniform(*_p("core_repo"), nc), 0.9 * securities)
    per_ids = [f"bank_{k:03d}" for k in range(npf)]
    mmf_sizes = _lognormal(rng, _p("n_mmf") - 1, 500.0, 0.5, 100.0, 2000.0)
    mmf_sizes = np.append(
        mmf_sizes * (_p("mmf_total") - _p("reserve_primary_assets")) / mmf_sizes.sum(), _p("reserve_primary_assets")
    )
    mmf_ids = [f"mmf_{k}" for k in range(len(mmf_sizes) - 1)] + ["reserve_primary"]

    contracts: list[dict] = []
    borrowing = {i: 0.0 for i in core_ids + per_ids}
    # repo and commercial paper: each dealer's repo funding comes from the money-market funds in
    # proportion to fund size, as far as the funds' repo books go, and from outside lenders for the rest
    w = core_sizes / core_sizes.sum()
    need = core_repo * core_sizes
    mmf_repo = _p("mmf_repo") * mmf_sizes
    from_funds = min(1.0, mmf_repo.sum() / need.sum())
    for d, did in enumerate(core_ids):
        pledge = {
            "mbs": (core_mbs[d], _p("haircut_mbs")),
            "ig_bonds": (_p("core_ig"), _p("haircut_mbs")),
            "gov_bonds": (_p("core_gov"), _p("haircut_gov")),
        }
        held = sum(share for share, _ in pledge.values())
        lenders = [(fid, need[d] * from_funds * mmf_repo[f] / mmf_repo.sum()) for f, fid in enumerate(mmf_ids)]
        lenders.append(("external", need[d] * (1.0 - from_funds)))
        for lender, amount in lenders:
            for collateral, (share, haircut) in pledge.items():
                part = amount * share / held  # each dealer pledges its securities in proportion to its holdings
                if part < 0.05:
                    continue
                contracts.append(
                    {
                        "id": f"repo_{lender}_{did}_{collateral}",
                        "type": "repo",
                        "lender": lender,
                        "borrower": did,
                        "principal": round(float(part), 4),
                        "rate": _p("repo_rate"),
                        "maturity": "2007-02",
                        "collateral": collateral,
                        "haircut": haircut,
                        "seniority": "secured",
                    }
                )
                borrowing[did] += part
        for f, fid in enumerate(mmf_ids):
            cp = _p("mmf_cp") * mmf_sizes[f] * w[d]
            if fid == "reserve_primary" and did == "lehman":
                cp = _p("reserve_primary_lehman")  # its Lehman paper
            elif fid == "reserve_primary" or cp < 0.05:
                continue
            contracts.append(
                {
                    "id": f"cp_{fid}_{did}",
                    "type": "loan",
                    "lender": fid,
                    "borrower": did,
                    "principal": round(float(cp), 4),
                    "rate": _p("interbank_rate"),
                    "maturity": "2007-02",
                }
            )
            borrowing[did] += cp
    # interbank: periphery lends to 1-3 dealers (preferring big ones); dealers lend to 3-5 others
    for b, bid in enumerate(per_ids):
        k = int(rng.integers(1, 4))
        lenders_to = rng.choice(nc, size=k, replace=False, p=w)
        for d in lenders_to:
            amount = _p("periphery_interbank_lend") * per_sizes[b] / k
            _interbank(contracts, borrowing, bid, core_ids[d], amount)
    for d, did in enumerate(core_ids):
        k = int(rng.integers(3, 6))
        others = [o for o in rng.choice(nc, size=k + 1, replace=False, p=w) if o != d][:k]
        for o in others:
            amount = _p("core_interbank_lend") * core_sizes[d] / len(others)
            _interbank(contracts, borrowing, did, core_ids[o], amount)

    institutions = []
    for d, did in enumerate(core_ids):
        a, lev = core_sizes[d], core_lev[d]
        deposits = 0.0 if investment_bank[d] else _p("core_deposits") * a
        debt = max(a - a / lev - borrowing[did] - deposits, 0.0)
        institutions.append(
            _bank(did, a, lev, core_mbs[d], _p("core_ig"), _p("core_gov"), deposits, debt, borrowing[did])
        )
    for b, bid in enumerate(per_ids):
        a, lev = per_sizes[b], per_lev[b]
        deposits = _p("periphery_deposits") * a
        debt = max(a - a / lev - borrowing[bid] - deposits, 0.0)
        institutions.append(
            _bank(bid, a, lev, _p("periphery_mbs"), 0.0, _p("periphery_gov"), deposits, debt, borrowing[bid])
        )
    for f, fid in enumerate(mmf_ids):
        a = mmf_sizes[f]
        institutions.append(
            {
                "id": fid,
                "kind": "money_market_fund",
                "cash": round(float(0.02 * a), 4),
                "holdings": {"gov_bonds": round(float(_p("mmf_gov") * a), 4)},
            }
        )
    institutions.append({"id": "government", "kind": "government", "cash": 0.0, "equity": 0.0})

    return {
        "name": "bank_2008",
        "description": "A 2007-08 style core-periphery banking system with money-market funds and an MBS repricing",
        "start": _p("start"),
        "months": _p("months"),
        "treasury_rate": _p("treasury_rate"),
        "productivity": {
            "default": "none",
            "initial_revenue": 1.0,
            "initial_growth": 0.0,
            "noise_sigma": 0.0,
            "paths": {"none": {"ceiling": 0.002, "midpoint": "2007-01", "steepness": 0.1}},
        },
        "markets": {
            "mbs": {
                "depth": _p("mbs_depth"),
                "impact": _p("mbs_impact"),
                "impact_share": 0.05,
                "resilience": 0.05,
                "shocks": [{"at": at, "fall": fall} for at, fall in _p("mbs_shocks")],
            },
            "ig_bonds": {"depth": 8000.0, "impact": 0.05, "impact_share": 0.05, "resilience": 0.2},
            "gov_bonds": {"depth": 5000.0, "impact": 0.01, "impact_share": 0.05, "resilience": 0.5},
        },
        "behaviour": {
            "bank": {
                "leverage_target": 0.05,
                "leverage_buffer": 0.04,
                "leverage_adjustment": _p("leverage_adjustment"),
                "line_cut_distress": 0.3,
                "run_distress": 0.25,
                "hoard_distress": 0.4,
                "payout_share": 0.4,
            },
            "money_market_fund": {
                "liquidity_floor": 0.05,
                "redemption_sensitivity": 2.0,
                "buck": 0.005,
                "run_share": 0.3,
                "run_distress": 0.15,
            },
        },
        "funding": {
            "haircut_sensitivity": _p("haircut_sensitivity"),
            "liquidity_substeps": _p("liquidity_substeps"),
            "outside_run_distress": 0.3,
            "rollover_max_spread": 0.08,
            "spread_distress": 0.05,
            "spread_sector_loss": 0.5,
        },
        "institutions": institutions,
        "contracts": contracts,
    }


def _interbank(contracts: list, borrowing: dict, lender: str, borrower: str, amount: float) -> None:
    """Append a one-month interbank loan and count it in the borrower's borrowing."""
    contracts.append(
        {
            "id": f"ib_{lender}_{borrower}",
            "type": "interbank",
            "lender": lender,
            "borrower": borrower,
            "principal": round(float(amount), 4),
            "rate": _p("interbank_rate"),
            "maturity": "2007-02",
        }
    )
    borrowing[borrower] += amount


def _bank(ident, assets, leverage, mbs, ig, gov, deposits, debt, contract_debt) -> dict:
    ratio = 1.0 / float(leverage)
    return {
        "id": ident,
        "kind": "bank",
        "cash": round(float(0.03 * assets), 4),
        "equity": round(float(assets * ratio), 4),
        "holdings": {
            k: round(float(v * assets), 4) for k, v in (("mbs", mbs), ("ig_bonds", ig), ("gov_bonds", gov)) if v > 0
        },
        "ext_liabilities": round(float(deposits + debt), 4),
        "ext_liability_rate": round(
            float((deposits * PARAMS["deposit_rate"][0] + debt * PARAMS["debt_rate"][0]) / max(deposits + debt, 1e-9)),
            5,
        ),
        "core_cash_flow": round(float(PARAMS["roa"][0] * assets + (deposits + debt + contract_debt) * 0.05), 4),
        # dealers target their own opening leverage (procyclical leverage, Adrian and Shin 2010)
        "params": {"leverage_target": round(float(ratio), 5), "leverage_buffer": round(float(0.85 * ratio), 5)},
    }


def render(
    data: dict,
    params: dict | None = None,
    generator: str = "generate_bank_2008",
    rows: str = "CAL 2008 benchmarks rows",
) -> str:
    """The YAML text, with the parameters and their sources in the header and a citation on every line."""
    params = PARAMS if params is None else params
    head = [
        f"# {data['name']}: generated by aicontagion/scenarios/{generator}.py - do not edit by hand.",
        f"# Regenerate with: python -m aicontagion.scenarios.{generator}",
        "# Every number below is derived from these parameters (value: source):",
    ]
    head += [f"#   {k} = {v!r}: {src}" for k, (v, src) in params.items()]
    cite = f"  # derived ({generator}.py PARAMS, each citing {rows} or assumed)"

    def flow(v) -> str:
        return yaml.safe_dump(v, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()

    lines = []
    for key, value in data.items():
        if key in ("institutions", "contracts"):
            lines.append(f"{key}:" if value else f"{key}: []")
            lines += ["  - " + flow(item) + cite for item in value]
        elif isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {flow(v)}" + cite for k, v in value.items()]
        else:
            lines.append(f"{key}: {flow(value)}" + cite)
    return "\n".join(head + lines) + "\n"


def main() -> int:
    OUT.write_text(render(build()))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
