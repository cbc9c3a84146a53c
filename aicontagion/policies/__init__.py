"""Interventions: the only way to act on a running model from outside its rules.

* :mod:`~aicontagion.policies.base`: the :class:`Policy` protocol (hooks by stage name), checks;
* :mod:`~aicontagion.policies.guarantees`: implicit and explicit (loan) guarantees;
* :mod:`~aicontagion.policies.rescues`: bailouts and the lender of last resort;
* :mod:`~aicontagion.policies.registry`: every built-in by name (:func:`from_name`).
"""

from aicontagion.policies.base import Catalogue, Policy, PolicyError
from aicontagion.policies.guarantees import ImplicitGuarantee, LoanGuarantee
from aicontagion.policies.registry import POLICIES, from_name, policy_names
from aicontagion.policies.rescues import Bailout, LenderOfLastResort, RescueMerger

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
    "from_name",
    "policy_names",
]
