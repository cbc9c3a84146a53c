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

from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import ContractType, Seniority
from aicontagion.scenarios.build import System
from aicontagion.scenarios.loader import apply_overrides, read_scenario_raw, resolve, validate
from aicontagion.scenarios.synthetic_build import Link, Profile, assemble, describe, members

BASE = "ai_2025"  # the AI system's scenario-level sections are taken from this file
BANK_BASE = "bank_2008"  # the bank path's


G = Kind
# fmt: off
AI_PROFILES: dict[str, Profile] = {
    "tech_giant": Profile(G.TECH_GIANT, 1750, 0.8, cash=0.2, holdings={"gpu": 0.14}, facility=0.28, ai_share=0.22,
                          spread=0.005, ext_rate=0.04, flows={"core_cash_flow": 0.26, "capex": 0.2}, claim_cap=0.05,
                          tail=1.5),
    "ai_lab": Profile(G.AI_LAB, 800, 0.95, cash=0.05, franchise=0.9, ai_share=0.155, ai_cost_share=0.5,
                      flows={"opex": 0.045}, tail=1.2),
    "chip_supplier": Profile(G.CHIP_SUPPLIER, 230, 0.9, cash=0.28, gpu_share=0.69, gross_margin=0.65, ext_rate=0.03,
                             claim_cap=0.1, flows={"external_revenue": 0.2, "opex": 0.2}, tail=1.2),
    "neocloud": Profile(G.NEOCLOUD, 40, 0.25, cash=0.12, holdings={"gpu": 0.6}, spread=0.05, ext_rate=0.08,
                        flows={"spot_revenue": 0.045, "opex": 0.09, "capex": 0.35}, tail=1.2),
    "spv": Profile(G.SPV, 110, 0.18, cash=0.05, facility=0.8, spread=0.025, ext_rate=0.06, tail=1.5),
    "private_credit_fund": Profile(G.PRIVATE_CREDIT_FUND, 700, 0.6, cash=0.04, holdings={"private_loans": 0.3},
                                   spread=0.02, ext_rate=0.06, claim_cap=0.6, flows={"core_cash_flow": 0.03}),
    "bank": Profile(G.BANK, 8000, 0.07, cash=0.12, holdings={"gov_bonds": 0.1, "ig_bonds": 0.03, "tech_equity": 0.01},
                    spread=0.008, ext_rate=0.025, claim_cap=0.5, flows={"core_cash_flow": 0.035}, tail=1.2),
    "pension_lp": Profile(G.PENSION_LP, 17000, 0.7, cash=0.03,
                          holdings={"tech_equity": 0.18, "ig_bonds": 0.2, "gov_bonds": 0.09}, claim_cap=0.3,
                          flows={"core_cash_flow": 0.005}),
    "government": Profile(G.GOVERNMENT, 0.0, 0.0),
}

# the bank path: bank_2008's dealers, periphery banks and money-market funds, at any size
BANK_PROFILES: dict[str, Profile] = {
    "core": Profile(G.BANK, 10000, (0.025, 0.04), cash=0.03,
                    holdings={"mbs": 0.15, "ig_bonds": 0.12, "gov_bonds": 0.08}, spread=0.008, ext_rate=0.045,
                    claim_cap=0.3, flows={"core_cash_flow": 0.01}, funding_income=0.05, own_leverage=True, tail=1.5),
    "periphery": Profile(G.BANK, 2500, (0.067, 0.1), cash=0.03, holdings={"mbs": 0.08, "gov_bonds": 0.1},
                         spread=0.01, ext_rate=0.03, claim_cap=0.3, flows={"core_cash_flow": 0.01},
                         funding_income=0.05, own_leverage=True, tail=1.2),
    "mmf": Profile(G.MONEY_MARKET_FUND, 2860, 1.0, cash=0.02, holdings={"gov_bonds": 0.28}, claim_cap=0.7, tail=1.3),
    "government": Profile(G.GOVERNMENT, 0.0, 0.0),
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
    Link(C.REPO, "mmf", "core", 0.15, weight=0.12, rate=(0.049, 0.051), maturity=(1, 1), seniority=S.SECURED,
         haircut=0.05, collateral="mbs"),
    Link(C.REPO, "mmf", "core", 0.15, weight=0.12, rate=(0.049, 0.051), maturity=(1, 1), seniority=S.SECURED,
         haircut=0.02, collateral="gov_bonds"),
    Link(C.LOAN, "mmf", "core", 0.05, weight=0.08, rate=(0.051, 0.053), maturity=(1, 1)),  # commercial paper
    Link(C.INTERBANK, "periphery", "core", 0.08, weight=0.35, rate=(0.051, 0.053), maturity=(1, 1),
         sized_by="creditor"),
    Link(C.INTERBANK, "core", "core", 0.04, weight=0.13, rate=(0.051, 0.053), maturity=(1, 1), sized_by="creditor"),
    Link(C.INTERBANK, "core", "periphery", 0.03, weight=0.10, rate=(0.052, 0.056), maturity=(1, 3)),
    Link(C.CREDIT_LINE, "core", "periphery", 0.03, weight=0.10, rate=(0.055, 0.065), maturity=(12, 36), drawn=0.3),
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
    counts = {k.label: v for k, v in kind_counts(n_institutions, **mix).items()}
    rng = np.random.default_rng(seed)
    label = name or f"synthetic_{n_institutions}"
    origin = f"synthetic({n_institutions}, {contracts_per_institution}, {seed})"
    spec = scenario_sections(label, months, overrides, origin)
    kind, sizes, groups, ids = members(rng, counts, AI_PROFILES)
    return assemble(spec, rng, kind, sizes, _ai_groups(groups), ids, AI_PROFILES, AI_LINKS, contracts_per_institution)


def core_periphery_banks(
    n: int,
    contracts_per_institution: float = 10,
    seed: int = 0,
    *,
    core_share: float = 0.05,
    fund_share: float = 0.04,
    months: int | None = None,
    name: str | None = None,
    overrides: dict | None = None,
) -> System:
    """The bank path at any size: ``bank_2008``'s structure with ``n`` institutions.

    Core dealers (the largest ``core_share`` of banks, at least 2; leverage 25-40) lend to each
    other and to the periphery and borrow from everyone: periphery banks (leverage 10-15) place
    interbank deposits with them, money-market funds (``fund_share`` of ``n``) lend to them in
    repo against MBS and government collateral and buy their commercial paper. Periphery banks
    deal only with the core. One government. The scenario-level sections (the MBS market and its
    repricing, behaviour, funding) are those of ``bank_2008``; banks target their opening leverage.

    Args:
        n: institutions in all (at least 6).
        contracts_per_institution: mean contracts per institution.
        seed: seed of the generator.
        core_share: share of banks in the core.
        fund_share: share of institutions that are money-market funds (at least 1).
        months, name, overrides: as for :func:`synthetic` (default months: ``bank_2008``'s).
    """
    if not 0 < core_share < 1 or not 0 < fund_share < 1:
        raise ValueError("core_periphery_banks: core_share and fund_share must be between 0 and 1")
    funds = max(1, round(fund_share * n))
    banks = n - 1 - funds
    if banks < 4:
        raise ValueError(f"core_periphery_banks: n={n} leaves {banks} banks (need at least 4)")
    core = min(max(2, round(core_share * banks)), banks - 2)
    counts = {"core": core, "periphery": banks - core, "mmf": funds, "government": 1}
    rng = np.random.default_rng(seed)
    label = name or f"core_periphery_banks_{n}"
    origin = f"core_periphery_banks({n}, {contracts_per_institution}, {seed})"
    spec = scenario_sections(label, months, overrides, origin, base=BANK_BASE)
    kind, sizes, groups, ids = members(rng, counts, BANK_PROFILES)
    groups["investor"] = np.concatenate([groups["mmf"], groups["core"], groups["periphery"]])
    return assemble(spec, rng, kind, sizes, groups, ids, BANK_PROFILES, BANK_LINKS, contracts_per_institution)


def kind_counts(n: int, **mix: float) -> dict[Kind, int]:
    """Members of each kind in a synthetic system of ``n`` (see :func:`synthetic` for ``mix``).

    Defaults: tech giants ``log2(n)/2`` (1-8), chip suppliers ``log10(n)`` (1-5), AI labs
    ``sqrt(n)/8``, neoclouds ``sqrt(n)/4``, SPVs 2% and private-credit funds 1% of ``n`` (each at
    least 1), one government; banks 30% and LPs 70% of the rest.
    """
    kinds = [p.kind for p in AI_PROFILES.values()]
    if n < len(kinds):
        raise ValueError(f"synthetic: n_institutions must be at least {len(kinds)} (one of each kind), got {n}")
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
        if label not in AI_PROFILES:
            raise ValueError(f"synthetic: unknown kind {label!r} (expected one of: {', '.join(AI_PROFILES)})")
        k = Kind.parse(label)
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
    return {k: default[k] for k in kinds}


# ---------------------------------------------------------------- building blocks
def scenario_sections(
    name: str, months: int | None = 120, overrides: dict | None = None, origin: str = "synthetic", base: str = BASE
):
    """The scenario spec of a synthetic system: the scenario-level sections of ``base``
    (productivity, compute, markets, behaviour, resolution, funding; no institutions) with
    ``overrides`` applied; raises :class:`~aicontagion.scenarios.loader.ScenarioError`."""
    raw, ranges = read_scenario_raw(resolve(base))
    raw = {k: v for k, v in raw.items() if k not in ("institutions", "contracts")}
    raw |= {"name": name, "description": f"{origin}: synthetic system built as arrays"}
    if months is not None:
        raw["months"] = months
    raw["institutions"], raw["contracts"] = [], []
    if "origination" in raw:  # its vehicles and bond buyers name the base's institutions
        raw["origination"] = {k: v for k, v in raw["origination"].items() if k not in ("vehicles", "spv_bond_buyers")}
    if "pension_funding" in raw:  # its funding ratios name the base's pensions
        raw["pension_funding"] = {k: v for k, v in raw["pension_funding"].items() if k != "funding_ratio"}
    if overrides:
        raw = apply_overrides(raw, dict(overrides), name)
    spec = validate(raw, name)
    spec.set_source(f"{name} (synthetic)")
    spec.set_ranges(r for r in ranges if not r.path.startswith(("institutions.", "contracts.")))
    return spec


def _ai_groups(groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The kinds' rows, and the groups the contract classes draw from (investors, sponsors...)."""
    g = dict(groups)
    g |= {"lp": g["pension_lp"], "fund": g["private_credit_fund"]}
    g["investor"] = np.concatenate([g["pension_lp"], g["bank"], g["private_credit_fund"]])
    g["sponsor"] = np.concatenate([g["private_credit_fund"], g["tech_giant"]])
    g["strategic"] = np.concatenate([g["tech_giant"], g["chip_supplier"]])
    g["tenant"] = np.concatenate([g["tech_giant"], g["ai_lab"], g["neocloud"]])
    g["customer"] = np.concatenate([g["tech_giant"], g["ai_lab"]])
    return g


__all__ = ["core_periphery_banks", "describe", "kind_counts", "scenario_sections", "synthetic"]
