"""Validation against classic published results (issue #3, item 5).

Three families of results are reproduced with this project's own code:

* **Clearing primitives**: the published worked examples of Eisenberg-Noe and Rogers-Veraart (R
  package ``systemicrisk``) and of DebtRank (R package ``NetworkRiskMeasures``), computed with
  :mod:`aicontagion.network.clearing` (:func:`classic_examples`).
* **Gai & Kapadia (2010)**, "Contagion in financial networks", Proc. R. Soc. A 466, 2401-2423:
  the contagion window on directed Erdos-Renyi networks, simulated with
  :func:`~aicontagion.network.clearing.threshold_cascade` (:func:`gk_simulate`) beside the
  analytic window of their generating-function condition (:func:`gk_window`).
* **Cont & Schaanning (2017) fire sales on the EBA 2018 banks**, as in the open simplified model
  of Farmer, Kleinnijenhuis, Nahai-Williamson and Wetzer, "Foundations of system-wide stress
  testing" (github.com/ox-inet-resilience/firesale_stresstest): :func:`eba_fire_sale` for one
  run and :func:`eba_runs` for many runs at once (vectorised over runs x banks x asset classes).
  The implementation is our own, on this project's market conventions (exponential impact with
  ``beta = -ln(1 - impact) / impact_share``, mid-point sale prices, simultaneous clearing of a
  round's sales: see :mod:`aicontagion.mechanisms.markets`); ``tests/test_validation.py`` checks it against
  outputs of the open model run on this machine and against its published figures.

Everything here is a pure function of its arguments (and a seed); nothing touches the monthly model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aicontagion.scenarios.eba_data import (
    EBA_CSV,
    EBABanks,
    default_eba_banks,
    load_eba_banks,
    parse_holding_sum,
)

__all__ = [
    "EBA_CSV",
    "EBA_PUBLISHED_2019",
    "EBABanks",
    "eba_fire_sale",
    "eba_published_frame",
    "eba_runs",
    "eba_sweep",
    "eba_sweep_design",
    "impact_beta",
    "load_eba_banks",
    "parse_holding_sum",
    "systemic_risk",
]

# ============================================================================ EBA 2018 fire sales

ASSET_CLASSES = ("corporate_bonds", "government_bonds")  # the two tradable classes, in this order

LEVERAGE_MIN = 0.03  # default below this leverage (equity / assets)
LEVERAGE_BUFFER = 0.04  # the threshold rule delevers below this
LEVERAGE_TARGET = 0.05  # ... toward this
IMPACT_SHARE = 0.05  # selling this share of a class's initial holdings moves its price by `price_impact`
EPS = 1e-9  # orders of at most this many units are not placed (as in the open model)


def impact_beta(price_impact, impact_share: float = IMPACT_SHARE) -> np.ndarray:
    """Exponential impact coefficient, as :class:`aicontagion.mechanisms.markets.Markets` computes it.

    ``beta = -ln(1 - impact) / impact_share``: selling ``impact_share`` of a class's depth (here
    its total initial holdings) lowers its price by ``impact``.
    """
    impact = np.asarray(price_impact, dtype=float)
    return np.where(impact < 1, -np.log1p(-np.minimum(impact, 1 - 1e-12)) / impact_share, 1e6)


# Conventions: "current" is the rule set of the open model today (and of the spec);
# "published_2019" the one that produced the figures published with it (see docs/validation.md).
CONVENTIONS = {"current": IMPACT_SHARE, "published_2019": 0.10}
RULES = {"threshold": LEVERAGE_BUFFER, "leverage_targeting": np.inf}


def _simulate_eba(banks: EBABanks, price_impact, shock, buffer, rounds: int, convention: str) -> dict:
    """Run ``R`` independent fire-sale runs at once; arrays are runs x banks (x classes).

    Each round: banks that defaulted in the previous round put all their tradables up for sale;
    all orders of the round clear together (one exponential impact per class on the round's
    units sold / the class's total initial holdings; sellers get the mid-point of the old and new
    price); every holder is marked; then each surviving bank either defaults (leverage < 3%) or,
    below its buffer, delevers toward 5%: it repays loans with cash and sells tradables pro rata
    for the rest, orders that clear in the next round.
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; expected one of {sorted(CONVENTIONS)}")
    pi, shock, buffer = np.broadcast_arrays(
        np.asarray(price_impact, float), np.asarray(shock, float), np.asarray(buffer, float)
    )
    pi, shock, buffer = pi.ravel(), shock.ravel(), buffer.ravel()
    if np.any((pi < 0) | (pi > 1)) or np.any((shock < 0) | (shock > 1)):
        raise ValueError("price_impact and shock must lie in [0, 1]")
    if rounds < 0:
        raise ValueError("rounds must be non-negative")
    R, n = pi.size, banks.n
    held0 = banks.tradables
    depth = held0.sum(axis=0)  # total initial holdings (units at price 1) per class
    inv_depth = np.divide(1.0, depth, out=np.zeros(2), where=depth > 0)
    beta = impact_beta(pi, CONVENTIONS[convention])[:, None]  # (R, 1)
    fixed_assets, fixed_liabilities = banks.other_assets, banks.other_liabilities  # never traded

    held = np.broadcast_to(held0, (R, n, 2)).copy()
    cash = np.broadcast_to(banks.cash, (R, n)).copy()
    loan = np.broadcast_to(banks.loans, (R, n)).copy()
    price = np.ones((R, 2))
    price[:, 1] -= shock  # the initial shock to government bonds
    orders = np.zeros((R, n, 2))  # units put up for sale, cleared at the start of the next round
    alive = np.ones((R, n), dtype=bool)
    just_defaulted = np.zeros((R, n), dtype=bool)
    sold_total = np.zeros((R, 2))
    defaults = np.zeros((R, rounds), dtype=np.int64)
    buf = buffer[:, None]

    for t in range(rounds):
        # 1. last round's defaulters put everything up for sale
        if just_defaulted.any():
            dump = just_defaulted[:, :, None] & (held > EPS) & (price[:, None, :] > EPS)
            orders = np.where(dump, held, orders)
        # 2. the round's orders clear together; sellers get the mid-point price; holders are marked
        sold = orders.sum(axis=1)
        if sold.any():
            new = price * np.exp(-beta * sold * inv_depth)
            cash += (orders @ (0.5 * (price + new))[:, :, None])[..., 0]
            held -= orders
            price = new
            sold_total += sold
            orders = np.zeros_like(orders)
        # 3. every surviving bank defaults or delevers
        value = (held @ price[:, :, None])[..., 0]  # tradables at market
        assets = cash + fixed_assets + value
        equity = assets - loan - fixed_liabilities
        lev = np.divide(equity, assets, out=np.full_like(equity, -np.inf), where=assets > 0)
        just_defaulted = alive & (lev < LEVERAGE_MIN)
        defaults[:, t] = just_defaulted.sum(axis=1)
        alive &= ~just_defaulted
        act = alive & (lev < buf)
        if not act.any():
            continue
        amount = np.where(act, np.maximum(assets - equity / LEVERAGE_TARGET, 0.0), 0.0)
        if convention == "current":
            repay = np.minimum(np.minimum(amount, cash), loan)  # loans first, with cash
            cash -= repay
            loan -= repay
            rest = amount - repay
            to_raise = np.where(cash < rest, rest - cash, 0.0)
        else:  # 2019: repayment capped at cash, then sell to restore the cash used
            repay = np.minimum(np.minimum(amount, cash), loan)
            cash -= repay
            loan -= repay
            to_raise = np.where(cash < repay, repay - cash, 0.0)
        # sell tradables pro rata to their market value (units: the same share of each holding)
        share = np.divide(np.minimum(to_raise, value), value, out=np.zeros_like(value), where=value > 0)
        orders = held * share[:, :, None]
        orders = np.where((orders > EPS) & (price[:, None, :] > EPS), orders, 0.0)

    total = depth.sum()
    return {
        "defaults": defaults.sum(axis=1),
        "defaults_by_round": defaults,
        "defaulted": ~alive,
        "sold_fraction": sold_total.sum(axis=1) / total if total > 0 else np.zeros(R),
        "prices": price,
    }


def eba_fire_sale(
    price_impact: float,
    shock: float,
    rule: str = "threshold",
    rounds: int = 6,
    *,
    convention: str = "current",
    banks: EBABanks | None = None,
) -> dict:
    """One Cont-Schaanning fire-sale run on the EBA 2018 banks (open INET model rules).

    Args:
        price_impact: Price fall when 5% of a class's initial holdings is sold in a round (0-1).
        shock: Initial fall of the government-bond price (0-1).
        rule: ``"threshold"`` (delever toward 5% only below a 4% leverage buffer) or
            ``"leverage_targeting"`` (always delever toward 5%).
        rounds: Rounds of default, sales and clearing.
        convention: ``"current"`` (the open model's rules today, the default) or
            ``"published_2019"`` (the rules that produced its published figures: impact
            calibrated on 10% of holdings, repayment capped at cash; see docs/validation.md).
        banks: Balance sheets (default: the shipped EBA 2018 file).

    Returns:
        ``{"defaults": int, "sold_fraction": float}``: banks defaulted over all rounds, and units
        of the tradable classes sold as a share of their total initial holdings.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected 'threshold' or 'leverage_targeting'")
    banks = banks if banks is not None else default_eba_banks()
    out = _simulate_eba(banks, price_impact, shock, RULES[rule], rounds, convention)
    return {"defaults": int(out["defaults"][0]), "sold_fraction": float(out["sold_fraction"][0])}


def systemic_risk(defaults, n_banks: int = 48) -> np.ndarray:
    """The open model's systemic-risk measure: share of banks defaulted, 0 if under 5% (GK's rule)."""
    share = np.asarray(defaults, dtype=float) / n_banks
    return np.where(share < 0.05, 0.0, share)


def _runs(pi, sh, rl, rounds: int, convention: str, banks: EBABanks | None, extra: dict) -> pd.DataFrame:
    banks = banks if banks is not None else default_eba_banks()
    pi, sh, rl = np.broadcast_arrays(np.asarray(pi, float), np.asarray(sh, float), np.asarray(rl))
    pi, sh, rl = pi.ravel(), sh.ravel(), rl.ravel().astype(str)
    rules = rl.tolist()
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rule(s) {sorted(unknown)}; expected 'threshold' or 'leverage_targeting'")
    buffer = np.array([RULES[r] for r in rules], dtype=float)
    out = _simulate_eba(banks, pi, sh, buffer, rounds, convention)
    columns = {
        **extra,
        "rule": rl,
        "price_impact": pi,
        "shock": sh,
        "defaults": out["defaults"],
        "sold_fraction": out["sold_fraction"],
        "systemic_risk": systemic_risk(out["defaults"], banks.n),
    }
    for t in range(rounds):
        columns[f"defaults_round_{t + 1}"] = out["defaults_by_round"][:, t]
    return pd.DataFrame(columns)


def eba_runs(
    price_impact,
    shock,
    rule="threshold",
    rounds: int = 6,
    *,
    convention: str = "current",
    banks: EBABanks | None = None,
) -> pd.DataFrame:
    """Many runs at once (arguments broadcast together), one row per run.

    Columns: ``rule, price_impact, shock, defaults, sold_fraction, systemic_risk`` and
    ``defaults_round_1..rounds``.
    """
    return _runs(price_impact, shock, rule, rounds, convention, banks, {})


def _sweep_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pis, shocks = np.linspace(0, 0.1, 21), np.linspace(0, 0.3, 21)
    experiment = np.repeat(np.array(["price_impact", "shock", "cont_schaanning"]), 21)
    rule = np.repeat(np.array(["threshold", "threshold", "leverage_targeting"]), 21)
    return experiment, rule, np.r_[pis, np.full(42, 0.01)], np.r_[np.full(21, 0.2), shocks, shocks]


def eba_sweep_design() -> pd.DataFrame:
    """The 63 distinct runs of the open model's three experiments (its ``simulation.py``).

    1. ``price_impact``: 21 impacts in [0, 0.1], shock 0.2, threshold rule.
    2. ``shock``: 21 shocks in [0, 0.3], impact 0.01, threshold rule.
    3. ``cont_schaanning``: the same 21 shocks under leverage targeting (its threshold curve is
       experiment 2's runs, so they are not repeated).
    """
    experiment, rule, pi, shock = _sweep_arrays()
    return pd.DataFrame({"experiment": experiment, "rule": rule, "price_impact": pi, "shock": shock})


def eba_sweep(convention: str = "current", banks: EBABanks | None = None, rounds: int = 6) -> pd.DataFrame:
    """The 63-run sweep (:func:`eba_sweep_design`) in one vectorised call, one row per run."""
    experiment, rule, pi, shock = _sweep_arrays()
    return _runs(pi, shock, rule, rounds, convention, banks, {"experiment": experiment, "convention": convention})


# The figures published with the open model (plots/*.png of ox-inet-resilience/firesale_stresstest,
# drawn by its first commit 4953d2e, January 2019), digitised from the PNG pixels (line centre at
# each grid point; axis calibrated on the grid lines). Defaults are the systemic-risk values read
# as k/48 (exact integers; None where the reading is 0, i.e. at most 2 defaults, or hidden by the
# legend); sold fractions in percent, good to about +-1 point (line width).
EBA_PUBLISHED_2019 = {
    "price_impact": {
        "defaults": [7, 8, 9, 12, 16, 19, 22, 27, 33, 34, 34, 38, 38, 39, 40, 40, 40, 40, 41, 42, 43],
        "sold_pct": [59.0, 66.6, 78.7, 87.6, 91.0, 92.4, 94.3, 98.1, 98.2, 98.2, 99.1, 99.5, 99.5, 99.5, 99.5]
        + [99.6] * 6,
    },
    "shock": {
        "defaults": [None] * 8 + [3, 3, 4, 4, 6, 9, 11, 12, 12, 14, 17, 19, 21],
        "sold_pct": [2.2, 3.8, 3.9, 8.1, 11.1, 12.4, 13.2, 22.9, 29.8, 56.4, 63.3, 64.6, 72.1, 77.5, 83.0, 83.5]
        + [85.5, 87.9, 89.4, 89.4, 89.6],
    },
    "cont_schaanning": {
        "defaults": [None] * 6 + [3, 3, 3, 3, 4, 6, 9, 10, None, 11, 12, 15, 18, 20, 22],
        "sold_pct": [None, 29.7, 33.1, 41.0, 54.7, 71.8, 78.8, 83.8, 86.7, 88.2, 88.8, 90.2, 91.3, 91.6, 92.4]
        + [93.2, 93.3, 93.2, 93.3, 93.3, 93.3],
    },
}


def eba_published_frame() -> pd.DataFrame:
    """:data:`EBA_PUBLISHED_2019` as a tidy frame aligned with :func:`eba_sweep_design`."""
    design = eba_sweep_design()
    defaults, sold = [], []
    for exp in ("price_impact", "shock", "cont_schaanning"):
        defaults += EBA_PUBLISHED_2019[exp]["defaults"]
        sold += EBA_PUBLISHED_2019[exp]["sold_pct"]
    return design.assign(
        published_defaults=pd.array(defaults, dtype="Int64"),
        published_sold_fraction=np.array([np.nan if s is None else s / 100 for s in sold]),
    )
