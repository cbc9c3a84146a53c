"""Institution kinds and lifecycle states (shared vocabulary of agents, scenarios and metrics)."""

from __future__ import annotations

from aicontagion.core.numeric import ArrayIntEnum


class Kind(ArrayIntEnum):
    """The kinds of institution in the system (DESIGN.md, 'Institution kinds')."""

    TECH_GIANT = 0
    AI_LAB = 1
    CHIP_SUPPLIER = 2
    NEOCLOUD = 3
    SPV = 4
    PRIVATE_CREDIT_FUND = 5
    BANK = 6
    PENSION_LP = 7
    GOVERNMENT = 8
    MONEY_MARKET_FUND = 9

    @property
    def label(self) -> str:
        """Snake-case name used in scenario files and result tables (``tech_giant``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Kind:
        """Kind from its snake-case label; raises ``ValueError`` naming the allowed labels."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            allowed = ", ".join(k.label for k in cls)
            raise ValueError(f"unknown kind {text!r} (expected one of: {allowed})") from None


class Status(ArrayIntEnum):
    """Lifecycle of an institution. Defaulted is absorbing."""

    ACTIVE = 0
    DISTRESSED = 1
    DEFAULTED = 2


# Tiers of the exposure picture (used by layouts and animations): risk chain left to right.
TIER = {
    Kind.PENSION_LP: 0,
    Kind.GOVERNMENT: 0,
    Kind.MONEY_MARKET_FUND: 0,
    Kind.PRIVATE_CREDIT_FUND: 1,
    Kind.BANK: 1,
    Kind.SPV: 2,
    Kind.NEOCLOUD: 2,
    Kind.TECH_GIANT: 3,
    Kind.AI_LAB: 3,
    Kind.CHIP_SUPPLIER: 4,
}
