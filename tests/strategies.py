"""Hypothesis strategies: random but valid scenario files (raw mappings) of small systems."""

from hypothesis import strategies as st

KINDS = ["tech_giant", "ai_lab", "chip_supplier", "neocloud", "spv", "private_credit_fund", "bank", "pension_lp"]
MARKETS = {
    "tech_equity": {"depth": 5000, "impact": 0.05, "impact_share": 0.05, "fundamental": "sentiment"},
    "ig_bonds": {"depth": 3000, "impact": 0.05, "impact_share": 0.05, "fundamental": "spread", "duration": 5},
    "gpu": {"depth": 200, "impact": 0.3, "impact_share": 0.05, "fundamental": "gpu_rent"},
    "spv_bonds": {"depth": 50, "impact": 0.2, "impact_share": 0.1},
    "private_loans": {"depth": 500, "impact": 0.1, "impact_share": 0.05, "appraisal": 0.3},
}
amount = st.floats(0.1, 50, allow_nan=False, allow_infinity=False)
small = st.floats(0.0, 5, allow_nan=False, allow_infinity=False)
month = st.tuples(st.integers(2025, 2034), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}")


@st.composite
def institution(draw, i):
    kind = draw(st.sampled_from(KINDS))
    inst = {
        "id": f"i{i}",
        "kind": kind,
        "cash": draw(amount),
        "other_assets": draw(st.floats(0, 100)),
        "ext_liabilities": draw(st.floats(0, 60)),
        "ext_liability_rate": draw(st.floats(0, 0.08)),
        "core_cash_flow": draw(st.floats(-5, 30)),
        "opex": draw(small),
        "holdings": {m: draw(st.floats(0, 30)) for m in draw(st.sets(st.sampled_from(list(MARKETS)), max_size=3))},
    }
    if kind in ("tech_giant", "ai_lab"):
        inst["ai_revenue_share"] = draw(st.floats(0, 0.2))
    if kind in ("tech_giant", "neocloud"):
        inst["capex"] = draw(st.floats(0, 20))
    if kind == "neocloud":
        inst["spot_revenue"] = draw(small)
    if kind == "chip_supplier":
        inst |= {
            "gpu_market_share": draw(st.floats(0, 0.9)),
            "gross_margin": draw(st.floats(0, 0.8)),
            "external_revenue": draw(small),
        }
    if kind == "spv":
        inst["facility"] = draw(amount)
    if kind == "ai_lab":
        inst["franchise"] = draw(st.floats(0, 100))
    return inst


@st.composite
def contract(draw, ids, k):
    a, b = draw(st.permutations(ids).map(lambda p: p[:2]))
    kind = draw(
        st.sampled_from(["loan", "bond", "credit_line", "repo", "interbank", "equity", "lease", "offtake", "backstop"])
    )
    start, end = sorted([draw(month), draw(month)])
    if kind in ("loan", "bond", "repo", "interbank"):
        c = {
            "type": kind,
            "lender": a,
            "borrower": b,
            "principal": draw(amount),
            "rate": draw(st.floats(0, 0.15)),
            "maturity": end,
            "amortising": draw(st.booleans()),
            "seniority": draw(st.sampled_from(["secured", "senior", "subordinated"])),
        }
        if kind == "bond" and draw(st.booleans()):
            c["market"] = draw(st.sampled_from(["spv_bonds", "ig_bonds", "private_loans"]))
        return c | {"id": f"c{k}"}
    if kind == "credit_line":
        lim = draw(amount)
        return {
            "id": f"c{k}",
            "type": kind,
            "lender": a,
            "borrower": b,
            "limit": lim,
            "principal": lim * draw(st.floats(0, 1)),
            "rate": draw(st.floats(0, 0.12)),
            "maturity": end,
            "covenant_ltv": draw(st.floats(0.2, 0.95)),
        }
    if kind == "equity":
        return {
            "id": f"c{k}",
            "type": kind,
            "holder": a,
            "issuer": b,
            "share": draw(st.floats(0.01, 0.4)),
            "uncalled": draw(st.floats(0, 5)),
        }
    if kind == "backstop":
        return {"id": f"c{k}", "type": kind, "provider": a, "customer": b, "annual_cap": draw(small), "end": end}
    return {
        "id": f"c{k}",
        "type": kind,
        "provider": a,
        "customer": b,
        "annual_payment": draw(small),
        "start": start,
        "end": end,
        "take_or_pay": draw(st.floats(0, 1)),
        "renewal_years": draw(st.sampled_from([0, 2, 4])),
        "residual_value_guarantee": draw(st.floats(0, 10)),
        "termination_fee": draw(st.floats(0, 2)),
    }


@st.composite
def systems(draw, max_institutions=9, max_contracts=16):
    n = draw(st.integers(2, max_institutions))
    insts = [draw(institution(i)) for i in range(n)]
    ids = [x["id"] for x in insts]
    contracts = [draw(contract(ids, k)) for k in range(draw(st.integers(0, max_contracts)))]
    # stakes in one issuer must not exceed 100% of it
    total: dict[str, float] = {}
    kept = []
    for c in contracts:
        if c["type"] == "equity":
            if total.get(c["issuer"], 0) + c["share"] > 1:
                continue
            total[c["issuer"]] = total.get(c["issuer"], 0) + c["share"]
        kept.append(c)
    return {
        "name": "random",
        "start": "2025-01",
        "months": 24,
        "treasury_rate": 0.04,
        "productivity": {
            "default": "base",
            "initial_revenue": 60,
            "initial_growth": draw(st.floats(0, 1.5)),
            "noise_sigma": draw(st.floats(0, 0.1)),
            "paths": {
                "base": {
                    "ceiling": draw(st.floats(0.05, 2)),
                    "midpoint": draw(month),
                    "steepness": draw(st.floats(0.01, 0.2)),
                    "decline": draw(st.floats(0, 0.3)),
                }
            },
        },
        "compute": {"outside_capex": draw(st.floats(0, 500)), "power_delay_months": draw(st.sampled_from([0, 6]))},
        "markets": MARKETS,
        "institutions": insts,
        "contracts": kept,
    }
