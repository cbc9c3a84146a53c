"""The fixed-seed runs whose summaries are frozen in tests/baseline.yaml."""

from pathlib import Path

HERE = Path(__file__).parent
BASELINE = HERE / "baseline.yaml"
CASES = [
    {"scenario": "ai_2025", "productivity": p, "seed": 1, "months": 240} for p in ("fast", "base", "slow", "disproven")
] + [{"scenario": str(HERE / "data" / "mini.yaml"), "productivity": "disproven", "seed": 7, "months": 60}]
KEYS = (
    "months_to_first_default",
    "months_to_half_loss",
    "months_to_90pct_loss",
    "defaults",
    "total_loss",
    "system_loss_ratio",
    "fiscal_cost",
    "defaults_by_kind",
    "losses_by_holder_kind",
    "losses_by_channel",
)


def case_name(case: dict) -> str:
    return f"{Path(case['scenario']).stem}/{case['productivity']}/seed{case['seed']}/{case['months']}m"


def summarise_case(case: dict) -> dict:
    import aicontagion as ac

    s = ac.Sim(**case).run().summary
    out = {}
    for k in KEYS:
        v = s[k]
        out[k] = (
            {kk: round(float(vv), 6) for kk, vv in v.items()}
            if isinstance(v, dict)
            else (None if v != v else round(float(v), 6))
        )
    out["default_order"] = s["default_order"]
    return out
