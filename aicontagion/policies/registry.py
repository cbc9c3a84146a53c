"""The policy registry: every built-in policy by the name the CLI, sweep specs and the app use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aicontagion.policies.base import Policy, PolicyError
from aicontagion.policies.guarantees import ImplicitGuarantee, LoanGuarantee
from aicontagion.policies.record_2008 import record_2008
from aicontagion.policies.rescues import Bailout, LenderOfLastResort, RescueMerger
from aicontagion.policies.state_company import StateCompany

POLICIES: dict[str, type[Policy] | Callable[..., list[Policy]] | None] = {
    "none": None,
    "implicit_guarantee": ImplicitGuarantee,
    "loan_guarantee": LoanGuarantee,
    "bailout": Bailout,
    "lender_of_last_resort": LenderOfLastResort,
    "rescue_merger": RescueMerger,
    "state_company": StateCompany,  # needs the company in the scenario (state_company.with_state_company)
    "record_2008": record_2008,  # a bundle: the Fed's and the Treasury's 2008 interventions, dated
}


def from_name(name: str, **kwargs: Any) -> list[Policy]:
    """The policy called ``name`` (``none`` gives no policy) built with ``kwargs``, as a list (a
    bundle such as ``record_2008`` gives several)."""
    if name not in POLICIES:
        raise PolicyError(f"unknown policy {name!r} (expected one of: {', '.join(POLICIES)})")
    cls = POLICIES[name]
    if cls is None:
        return []
    made = cls(**kwargs)
    return list(made) if isinstance(made, list) else [made]


def policy_names() -> list[str]:
    """Every name :func:`from_name` knows, ``none`` first."""
    return list(POLICIES)
