"""Interventions: the only way to act on a running model from outside its rules.

* :mod:`~aicontagion.policies.base`: the :class:`Policy` protocol (hooks by stage name), checks;
* :mod:`~aicontagion.policies.guarantees`: implicit and explicit (loan) guarantees;
* :mod:`~aicontagion.policies.rescues`: bailouts and the lender of last resort;
* :mod:`~aicontagion.policies.state_company`: a state-backed compute company in conservatorship;
* :mod:`~aicontagion.policies.record_2008`: the 2008 interventions at their dates (a bundle);
* :mod:`~aicontagion.policies.triggers`: trigger rules (spreads or defaults) gating any policy;
* :mod:`~aicontagion.policies.registry`: every built-in by name (:func:`from_name`).
"""

from aicontagion.policies.base import Catalogue, Policy, PolicyError
from aicontagion.policies.guarantees import ImplicitGuarantee, LoanGuarantee
from aicontagion.policies.record_2008 import record_2008
from aicontagion.policies.registry import POLICIES, from_name, policy_names
from aicontagion.policies.rescues import Bailout, LenderOfLastResort, RescueMerger
from aicontagion.policies.state_company import StateCompany, with_state_company
from aicontagion.policies.triggers import Trigger

__all__ = [
    "POLICIES",
    "Bailout",
    "Catalogue",
    "ImplicitGuarantee",
    "LenderOfLastResort",
    "LoanGuarantee",
    "Policy",
    "PolicyError",
    "RescueMerger",
    "StateCompany",
    "Trigger",
    "from_name",
    "policy_names",
    "record_2008",
    "with_state_company",
]
