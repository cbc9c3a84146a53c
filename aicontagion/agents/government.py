"""Government: pays on guarantees and bailouts; acts only through policies."""

from __future__ import annotations

from aicontagion.agents.base import Institution
from aicontagion.core.kinds import Kind


class Government(Institution):
    """The sovereign. It has no rule of its own: policies (:mod:`aicontagion.policies`) act
    through it, and what it pays out is recorded as fiscal cost."""

    kind = Kind.GOVERNMENT
