"""An index of the origination ledger's vintage rows by route, kept as the rows are written.

The month's risk and capacity checks ask often for the contract rows of some routes' vintages
(the bank route's project loans, all originated loans); walking the whole vintage dict each time
cost more than the checks. The index keeps, per route, each key's place in the dict's order and
its row, and answers in that order (so sums over the rows add in the same order as a walk of the
dict), caching each answer until the next write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

READS = ()
"""State groups this module reads (none: it is a plain index the ledger owns)."""
WRITES = ()
"""State groups this module writes."""


@dataclass
class RouteIndex:
    """Per route, the vintage keys' places in the ledger's dict order and their contract rows."""

    by_route: dict = field(default_factory=dict)  # route -> ([place in dict order], [row])
    place: dict = field(default_factory=dict)  # key -> index in its route's lists
    cache: dict = field(default_factory=dict)  # routes -> rows (cleared on every write)

    def put(self, key: tuple, row: int, position: int) -> None:
        """Record ``row`` for ``key`` (a key written again keeps its place); ``position`` is the
        number of keys already in the dict, the place a new key takes."""
        order, rows = self.by_route.setdefault(key[0], ([], []))
        at = self.place.get(key)
        if at is None:
            self.place[key] = len(rows)
            order.append(position)
            rows.append(row)
        else:
            rows[at] = row
        self.cache.clear()

    def rows(self, routes: tuple[str, ...]) -> np.ndarray:
        """Contract rows of ``routes``' vintages, in the dict's order (a read-only array)."""
        hit = self.cache.get(routes)
        if hit is not None:
            return hit
        parts = [self.by_route[r] for r in routes if r in self.by_route]
        if len(parts) == 1:
            out = np.array(parts[0][1], dtype=np.int64)
        else:  # merged back into the dict's order
            order = np.array([i for p in parts for i in p[0]], dtype=np.int64)
            out = np.array([r for p in parts for r in p[1]], dtype=np.int64)[np.argsort(order, kind="stable")]
        out.flags.writeable = False
        self.cache[routes] = out
        return out
