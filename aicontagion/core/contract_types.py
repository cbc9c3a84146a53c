"""The contract vocabulary: contract types, their families, seniority, and the outside world.

Shared by the balance sheets (:mod:`aicontagion.core.books`), the obligations and the contract
table (:mod:`aicontagion.network.contracts`, which holds contracts of these types as arrays).
"""

from __future__ import annotations

from aicontagion.core.numeric import ArrayIntEnum


class ContractType(ArrayIntEnum):
    """Kinds of contract; the family sets how a contract is valued and paid."""

    LOAN = 0
    BOND = 1
    CREDIT_LINE = 2
    INTERBANK = 3
    REPO = 4
    VENDOR_FINANCING = 5
    EQUITY = 6
    LP_COMMITMENT = 7
    LEASE = 8
    OFFTAKE = 9
    GUARANTEE = 10
    BACKSTOP = 11


class Seniority(ArrayIntEnum):
    """Ranking in default: lower is paid first."""

    SECURED = 0
    SENIOR = 1
    SUBORDINATED = 2


DEBT_TYPES = (
    ContractType.LOAN,
    ContractType.BOND,
    ContractType.CREDIT_LINE,
    ContractType.INTERBANK,
    ContractType.REPO,
    ContractType.VENDOR_FINANCING,
)
STAKE_TYPES = (ContractType.EQUITY, ContractType.LP_COMMITMENT)
EXECUTORY_TYPES = (ContractType.LEASE, ContractType.OFFTAKE)
CONTINGENT_TYPES = (ContractType.GUARANTEE, ContractType.BACKSTOP)
SHORT_TERM_TYPES = (ContractType.INTERBANK, ContractType.REPO)

LAST_DEBT_TYPE = max(DEBT_TYPES)
assert sorted(DEBT_TYPES) == list(range(LAST_DEBT_TYPE + 1)), "debt types must be the codes 0..k"

EXTERNAL = -1
"""Index of the outside world as a counterparty."""
