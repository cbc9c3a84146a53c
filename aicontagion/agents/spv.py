"""SPV (Hyperion / Beignet, the Colossus 2 vehicle, the Abilene JV): a single-tenant project."""

from __future__ import annotations

from aicontagion.agents.base import Institution
from aicontagion.core.kinds import Kind


class SPV(Institution):
    """An SPV holds one facility, collects one tenant's rent and services amortising bonds from
    it, with a cash reserve. It decides nothing: it pays while paid; when the tenant walks away
    its facility is worth only its re-let value plus the residual value guarantee, and when it
    cannot pay it is restructured (resolved) and its bondholders take the loss. Maturing bullet
    debt is refinanced by the funding stage at the prevailing spread, or not."""

    kind = Kind.SPV
