"""Mesa agents: one class per institution kind, views on the model's arrays with the decisions."""

from aicontagion.agents.ai_lab import AILab
from aicontagion.agents.bank import Bank
from aicontagion.agents.base import Institution
from aicontagion.agents.chip_supplier import ChipSupplier
from aicontagion.agents.government import Government
from aicontagion.agents.money_market_fund import MoneyMarketFund
from aicontagion.agents.neocloud import Neocloud
from aicontagion.agents.pension_lp import PensionLP
from aicontagion.agents.private_credit import PrivateCreditFund
from aicontagion.agents.spv import SPV
from aicontagion.agents.tech_giant import TechGiant
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind

AGENT_CLASSES: dict[Kind, type[Institution]] = {
    Kind.TECH_GIANT: TechGiant,
    Kind.AI_LAB: AILab,
    Kind.CHIP_SUPPLIER: ChipSupplier,
    Kind.NEOCLOUD: Neocloud,
    Kind.SPV: SPV,
    Kind.PRIVATE_CREDIT_FUND: PrivateCreditFund,
    Kind.BANK: Bank,
    Kind.PENSION_LP: PensionLP,
    Kind.GOVERNMENT: Government,
    Kind.MONEY_MARKET_FUND: MoneyMarketFund,
}
"""The agent class of each kind, in the order kinds decide (the order does not change results)."""

__all__ = [
    "AGENT_CLASSES",
    "AILab",
    "Bank",
    "ChipSupplier",
    "Decisions",
    "Government",
    "Institution",
    "MoneyMarketFund",
    "Neocloud",
    "PensionLP",
    "PrivateCreditFund",
    "SPV",
    "TechGiant",
]
