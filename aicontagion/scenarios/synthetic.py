"""Synthetic systems of any size, built directly as arrays (no per-institution pydantic objects).

* :func:`synthetic` builds an AI-finance system: every kind in realistic proportions (a handful of
  tech giants and chip suppliers, tens of AI labs and neoclouds, hundreds to thousands of SPVs
  and private-credit funds, many banks and LPs), heavy-tailed (Pareto) sizes within each kind,
  and a core-periphery network: counterparties are drawn in proportion to size, so the largest
  institutions of a kind hold many contracts and the small ones a few, mostly with the core.
* :func:`core_periphery_banks` builds the 2008-style comparison: banks in a core (the largest
  ``core_share``, densely linked) and a periphery (linked only to the core) with interbank loans,
  repo from money-market lenders (``pension_lp``), bank bonds and credit lines.

Both return a :class:`~aicontagion.scenarios.build.System` that :class:`aicontagion.Sim` accepts
as its scenario. Aggregates do not grow with ``n``: each kind's total assets are those of the
named ``ai_2025`` system (order of magnitude), split over more, smaller institutions as ``n``
grows, so the AI-revenue hurdle, market depths and outside capex of ``ai_2025`` stay meaningful.
The scenario-level sections (productivity paths, compute, markets, behaviour, resolution,
funding) are those of ``ai_2025`` with ``overrides`` applied (dotted keys, as for ``Sim``).

The kind profiles and contract classes below are order-of-magnitude readings of ``ai_2025``
(all ``assumed``); :mod:`~aicontagion.scenarios.synthetic_build` turns them into balanced arrays.
"""

from __future__ import annotations

import numpy as np

from aicontagion.kinds import Kind
from aicontagion.network.contracts import ContractType, Seniority
from aicontagion.scenarios.build import System
from aicontagion.scenarios.loader import apply_overrides, read_raw, resolve, validate
from aicontagion.scenarios.synthetic_build import Link, Profile, assemble, describe, members

BASE_SCENARIO = "ai_2025"  # scenario-level sections are taken from this file


# fmt: off
AI_PROFILES: dict[Kind, Profile] = {
    Kind.TECH_GIANT: Profile(1750, 0.8, cash=0.2, holdings={"gpu": 0.14}, facility=0.28, ai_share=0.22, spread=0.005,
                             ext_rate=0.04, flows={"core_cash_flow": 0.26, "capex": 0.2}, claim_cap=0.05, tail=1.5),
    Kind.AI_LAB: Profile(800, 0.95, cash=0.05, franchise=0.9, ai_share=0.155, ai_cost_share=0.5,
                         flows={"opex": 0.045}, tail=1.2),
    Kind.CHIP_SUPPLIER: Profile(230, 0.9, cash=0.28, gpu_share=0.69, gross_margin=0.65, ext_rate=0.03, claim_cap=0.1,
                                flows={"external_revenue": 0.2, "opex": 0.2}, tail=1.2),
    Kind.NEOCLOUD: Profile(40, 0.25, cash=0.12, holdings={"gpu": 0.6}, spread=0.05, ext_rate=0.08,
                           flows={"spot_revenue": 0.045, "opex": 0.09, "capex": 0.35}, tail=1.2),
    Kind.SPV: Profile(110, 0.18, cash=0.05, facility=0.8, spread=0.025, ext_rate=0.06, tail=1.5),
    Kind.PRIVATE_CREDIT_FUND: Profile(700, 0.6, cash=0.04, holdings={"private_loans": 0.3}, spread=0.02,
                                      ext_rate=0.06, claim_cap=0.6, flows={"core_cash_flow": 0.03}),
    Kind.BANK: Profile(8000, 0.07, cash=0.12, holdings={"gov_bonds": 0.1, "ig_bonds": 0.03, "tech_equity": 0.01},
                       spread=0.008, ext_rate=0.025, claim_cap=0.5, flows={"core_cash_flow": 0.035}, tail=1.2),
    Kind.PENSION_LP: Profile(17000, 0.7, cash=0.03, holdings={"tech_equity": 0.18, "ig_bonds": 0.2, "gov_bonds": 0.09},
                             claim_cap=0.3, flows={"core_cash_flow": 0.005}),
    Kind.GOVERNMENT: Profile(0.0, 0.0),
}

BANK_PROFILES: dict[Kind, Profile] = {
    Kind.BANK: Profile(20000, 0.06, cash=0.08, holdings={"gov_bonds": 0.12, "ig_bonds": 0.05, "tech_equity": 0.02},
                       spread=0.008, ext_rate=0.025, claim_cap=0.45, flows={"core_cash_flow": 0.035}, tail=1.1),
    Kind.PENSION_LP: Profile(10000, 0.7, cash=0.05, holdings={"tech_equity": 0.25, "ig_bonds": 0.25, "gov_bonds": 0.15},
                             claim_cap=0.25, flows={"core_cash_flow": 0.005}),
    Kind.GOVERNMENT: Profile(0.0, 0.0),
}
# fmt: on


C, S = ContractType, Seniority
# fmt: off
AI_LINKS = (
    # flexible classes: most contracts, mostly among the many banks, LPs, funds and SPVs
    Link(C.INTERBANK, "bank", "bank", 0.06, weight=0.22, rate=(0.044, 0.048), maturity=(1, 3)),
    Link(C.REPO, "lp", "bank", 0.04, weight=0.10, rate=(0.043, 0.045), maturity=(1, 1), seniority=S.SECURED,
         haircut=0.02),
    Link(C.REPO, "bank", "fund", 0.05, weight=0.04, rate=(0.045, 0.05), maturity=(1, 1), seniority=S.SECURED,
         haircut=0.05),
    Link(C.LP_COMMITMENT, "lp", "fund", 0.85, weight=0.16, uncalled=0.25),
    Link(C.BOND, "investor", "spv", 0.45, weight=0.10, rate=(0.06, 0.07), maturity=(180, 300), market="spv_bonds",
         seniority=S.SECURED, amortising=True),
    Link(C.LOAN, "bank", "spv", 0.2, weight=0.06, rate=(0.065, 0.075), maturity=(36, 84), seniority=S.SECURED),
    Link(C.LOAN, "fund", "spv", 0.15, weight=0.05, rate=(0.1, 0.13), maturity=(48, 84), market="private_loans",
         seniority=S.SECURED, amortising=True),
    Link(C.LOAN, "fund", "neocloud", 0.25, weight=0.03, rate=(0.1, 0.15), maturity=(36, 72), market="private_loans",
         seniority=S.SECURED, amortising=True),
    Link(C.CREDIT_LINE, "bank", "fund", 0.12, weight=0.06, rate=(0.06, 0.07), maturity=(24, 60), seniority=S.SECURED,
         drawn=0.6, covenant=0.6),
    Link(C.CREDIT_LINE, "bank", "neocloud", 0.08, weight=0.02, rate=(0.065, 0.08), maturity=(24, 60),
         seniority=S.SECURED, drawn=0.3),
    Link(C.BOND, "investor", "tech_giant", 0.06, weight=0.10, rate=(0.04, 0.06), maturity=(36, 360),
         market="ig_bonds"),
    Link(C.BOND, "investor", "neocloud", 0.1, weight=0.02, rate=(0.08, 0.1), maturity=(36, 72)),
    Link(C.BOND, "investor", "chip_supplier", 0.03, weight=0.04, rate=(0.04, 0.05), maturity=(36, 240),
         market="ig_bonds"),
    # structural classes: a fixed count per member of one side
    Link(C.EQUITY, "sponsor", "spv", 0.95, per=2.0),
    Link(C.EQUITY, "strategic", "ai_lab", 0.5, per=3.0, uncalled=0.05),
    Link(C.EQUITY, "chip_supplier", "neocloud", 0.1, per=1.0),
    Link(C.VENDOR_FINANCING, "chip_supplier", "neocloud", 0.1, per=1.0, rate=(0.055, 0.07), maturity=(36, 72),
         seniority=S.SECURED),
    Link(C.LEASE, "spv", "tenant", 0.0, per=1.0, per_of="creditor", maturity=(120, 240)),
    Link(C.OFFTAKE, "neocloud", "customer", 0.0, per=3.0, per_of="creditor", maturity=(36, 84)),
    Link(C.OFFTAKE, "tech_giant", "ai_lab", 0.03, per=2.0, maturity=(48, 96), starts=(0, 24)),
    Link(C.OFFTAKE, "chip_supplier", "ai_lab", 0.01, per=1.0, maturity=(36, 72), starts=(0, 24)),
    Link(C.BACKSTOP, "chip_supplier", "neocloud", 0.03, per=0.5, maturity=(48, 96)),
)

BANK_LINKS = (
    Link(C.INTERBANK, "core", "core", 0.05, weight=0.15, rate=(0.044, 0.046), maturity=(1, 3)),
    Link(C.INTERBANK, "core", "periphery", 0.08, weight=0.25, rate=(0.045, 0.05), maturity=(1, 6)),
    Link(C.INTERBANK, "periphery", "core", 0.03, weight=0.25, rate=(0.043, 0.045), maturity=(1, 3)),
    Link(C.REPO, "lp", "core", 0.06, weight=0.10, rate=(0.043, 0.045), maturity=(1, 1), seniority=S.SECURED,
         haircut=0.02),
    Link(C.BOND, "investor", "core", 0.04, weight=0.10, rate=(0.045, 0.055), maturity=(24, 120), market="ig_bonds"),
    Link(C.BOND, "lp", "periphery", 0.03, weight=0.05, rate=(0.05, 0.065), maturity=(24, 84)),
    Link(C.CREDIT_LINE, "core", "periphery", 0.05, weight=0.10, rate=(0.05, 0.06), maturity=(12, 36), drawn=0.3),
)
# fmt: on


# ---------------------------------------------------------------- public generators
def synthetic(
    n_institutions: int,
    contracts_per_institution: float = 10,
    seed: int = 0,
    *,
    months: int = 120,
    name: str | None = None,
    overrides: dict | None = None,
    **mix: float,
) -> System:
    """An AI-finance system of ``n_institutions`` with about ``contracts_per_institution`` each.

    Args:
        n_institutions: institutions in all (at least 9: one of each kind).
        contracts_per_institution: mean contracts per institution (total about ``n x this``).
        seed: seed of the generator (sizes, links, amounts, dates); the same seed gives the
            same system.
        months: the scenario's default run length.
        name: scenario name (default ``synthetic_<n>``).
        overrides: scenario-level parameters by dotted path, e.g. ``{"funding.spread_distress": 0.1}``.
        **mix: members of a kind, by kind label: a count (``tech_giant=10``) or a share of
            ``n_institutions`` (``bank=0.4``). Banks and LPs share what the other kinds leave.

    Returns:
        a :class:`System`; ``Sim(system, ...)`` runs it.
    """
    counts = kind_counts(n_institutions, **mix)
    rng = np.random.default_rng(seed)
    label = name or f"synthetic_{n_institutions}"
    spec = _scenario(label, months, overrides, f"synthetic({n_institutions}, {contracts_per_institution}, {seed})")
    kind, sizes = members(rng, counts, AI_PROFILES)
    groups = _ai_groups(kind)
    return assemble(spec, rng, kind, sizes, AI_PROFILES, groups, AI_LINKS, contracts_per_institution)


def core_periphery_banks(
    n: int,
    contracts_per_institution: float = 10,
    seed: int = 0,
    *,
    core_share: float = 0.05,
    lender_share: float = 0.1,
    months: int = 120,
    name: str | None = None,
    overrides: dict | None = None,
) -> System:
    """A 2008-style banking system of ``n`` institutions: a core of large banks, a periphery.

    Core banks (the largest ``core_share`` of banks, at least 2) lend to and borrow from each
    other and from the periphery; periphery banks deal only with the core (interbank loans and
    deposits, credit lines). Money-market lenders and insurers (``pension_lp``, ``lender_share``
    of ``n``) lend to core banks in repo and hold bank bonds; one government.

    Args:
        n: institutions in all (at least 4).
        contracts_per_institution: mean contracts per institution.
        seed: seed of the generator.
        core_share: share of banks in the core.
        lender_share: share of institutions that are repo lenders and bondholders.
        months, name, overrides: as for :func:`synthetic`.
    """
    if n < 4:
        raise ValueError(f"core_periphery_banks: n must be at least 4 (got {n})")
    if not 0 < core_share < 1 or not 0 < lender_share < 1:
        raise ValueError("core_periphery_banks: core_share and lender_share must be between 0 and 1")
    lenders = max(1, round(lender_share * n))
    banks = n - 1 - lenders
    if banks < 3:
        raise ValueError(f"core_periphery_banks: n={n} leaves {banks} banks (need at least 3)")
    counts = {Kind.BANK: banks, Kind.PENSION_LP: lenders, Kind.GOVERNMENT: 1}
    rng = np.random.default_rng(seed)
    label = name or f"core_periphery_banks_{n}"
    spec = _scenario(label, months, overrides, f"core_periphery_banks({n}, {contracts_per_institution}, {seed})")
    kind, sizes = members(rng, counts, BANK_PROFILES)
    bank_rows = np.flatnonzero(kind == Kind.BANK)  # sorted by size within the kind, largest first
    n_core = min(max(2, round(core_share * banks)), banks - 1)
    groups = {
        "core": bank_rows[:n_core],
        "periphery": bank_rows[n_core:],
        "lp": np.flatnonzero(kind == Kind.PENSION_LP),
    }
    groups["investor"] = np.concatenate([groups["lp"], bank_rows])
    return assemble(spec, rng, kind, sizes, BANK_PROFILES, groups, BANK_LINKS, contracts_per_institution)


def kind_counts(n: int, **mix: float) -> dict[Kind, int]:
    """Members of each kind in a synthetic system of ``n`` (see :func:`synthetic` for ``mix``).

    Defaults: tech giants ``log2(n)/2`` (1-8), chip suppliers ``log10(n)`` (1-5), AI labs
    ``sqrt(n)/8``, neoclouds ``sqrt(n)/4``, SPVs 2% and private-credit funds 1% of ``n`` (each at
    least 1), one government; banks 30% and LPs 70% of the rest.
    """
    if n < len(Kind):
        raise ValueError(f"synthetic: n_institutions must be at least {len(Kind)} (one of each kind), got {n}")
    default = {
        Kind.TECH_GIANT: int(np.clip(round(np.log2(n) / 2), 1, 8)),
        Kind.CHIP_SUPPLIER: int(np.clip(round(np.log10(n)), 1, 5)),
        Kind.AI_LAB: max(1, round(np.sqrt(n) / 8)),
        Kind.NEOCLOUD: max(1, round(np.sqrt(n) / 4)),
        Kind.SPV: max(1, round(0.02 * n)),
        Kind.PRIVATE_CREDIT_FUND: max(1, round(0.01 * n)),
        Kind.GOVERNMENT: 1,
    }
    for label, value in mix.items():
        try:
            k = Kind.parse(label)
        except ValueError as exc:
            raise ValueError(f"synthetic: {exc}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"synthetic: {label} must be a count or a share of n (got {value!r})")
        count = round(value * n) if isinstance(value, float) and value < 1 else int(value)
        if count < 1:
            raise ValueError(f"synthetic: {label}={value!r} leaves no {label} (every kind needs one)")
        default[k] = count
    chosen = {Kind.parse(label) for label in mix}
    while sum(default.values()) + 2 > n:  # small n: fewer of the kinds that are not fixed by the mix
        k = max((k for k in default if k not in chosen and default[k] > 1), key=default.get, default=None)
        if k is None:
            break
        default[k] -= 1
    fixed = sum(v for k, v in default.items() if k not in (Kind.BANK, Kind.PENSION_LP))
    rest = n - fixed - default.get(Kind.BANK, 0) - default.get(Kind.PENSION_LP, 0)
    if Kind.BANK not in default:
        default[Kind.BANK] = max(1, round(0.3 * (n - fixed - default.get(Kind.PENSION_LP, 0))))
        rest -= default[Kind.BANK]
    if Kind.PENSION_LP not in default:
        default[Kind.PENSION_LP] = rest
        rest = 0
    if rest != 0 or default[Kind.PENSION_LP] < 1:
        raise ValueError(f"synthetic: the mix {dict(mix)} does not add up to n_institutions={n}")
    return {k: default[k] for k in Kind}


# ---------------------------------------------------------------- building blocks
def _scenario(name: str, months: int, overrides: dict | None, origin: str):
    """The scenario-level sections of ``ai_2025`` (no institutions), with overrides applied."""
    raw = read_raw(resolve(BASE_SCENARIO))
    raw = {k: v for k, v in raw.items() if k not in ("institutions", "contracts")}
    raw |= {"name": name, "months": months, "description": f"{origin}: synthetic system built as arrays"}
    raw["institutions"], raw["contracts"] = [], []
    if overrides:
        raw = apply_overrides(raw, dict(overrides), name)
    spec = validate(raw, name)
    spec._source = f"{name} (synthetic)"
    return spec


def _ai_groups(kind: np.ndarray) -> dict[str, np.ndarray]:
    """Rows of each kind, and the groups the contract classes draw from (investors, sponsors...)."""
    rows = {k.label: np.flatnonzero(kind == k) for k in Kind}
    g = dict(rows)
    g |= {"lp": rows["pension_lp"], "fund": rows["private_credit_fund"]}
    g["investor"] = np.concatenate([rows["pension_lp"], rows["bank"], rows["private_credit_fund"]])
    g["sponsor"] = np.concatenate([rows["private_credit_fund"], rows["tech_giant"]])
    g["strategic"] = np.concatenate([rows["tech_giant"], rows["chip_supplier"]])
    g["tenant"] = np.concatenate([rows["tech_giant"], rows["ai_lab"], rows["neocloud"]])
    g["customer"] = np.concatenate([rows["tech_giant"], rows["ai_lab"]])
    return g


__all__ = ["core_periphery_banks", "describe", "kind_counts", "synthetic"]
