"""The policy registry: every built-in policy by the name the CLI, sweep specs and the app use."""

from __future__ import annotations

from typing import Any

from aicontagion.policies.base import Policy, PolicyError
from aicontagion.policies.guarantees import ImplicitGuarantee, LoanGuarantee
from aicontagion.policies.rescues import Bailout, LenderOfLastResort, RescueMerger
from aicontagion.policies.state_company import StateCompany

POLICIES: dict[str, type[Policy] | None] = {
    "none": None,
    "implicit_guarantee": ImplicitGuarantee,
    "loan_guarantee": LoanGuarantee,
    "bailout": Bailout,
    "lender_of_last_resort": LenderOfLastResort,
    "rescue_merger": RescueMerger,
    "state_company": StateCompany,  # needs the company in the scenario (state_company.with_state_company)
}


def from_name(name: str, **kwargs: Any) -> list[Policy]:
    """The policy called ``name`` (``none`` gives no policy) built with ``kwargs``, as a list."""
    if name not in POLICIES:
        raise PolicyError(f"unknown policy {name!r} (expected one of: {', '.join(POLICIES)})")
    cls = POLICIES[name]
    return [] if cls is None else [cls(**kwargs)]


def policy_names() -> list[str]:
    """Every name :func:`from_name` knows, ``none`` first."""
    return list(POLICIES)
