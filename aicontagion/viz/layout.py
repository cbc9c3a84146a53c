"""Fixed layouts of the exposure picture: tiers by kind, and supernodes for large systems.

The picture reads the risk chain left to right (:data:`aicontagion.core.kinds.TIER`): the final
holders (pensions, insurers, ETF holders, the government), then funds and banks, SPVs and
neoclouds, the tech giants and AI labs, and the chip suppliers. Within a tier, institutions are
grouped by kind and ordered to keep exposure lines short (a few barycentre sweeps), so the
layout is computed once, from the whole run, and every frame of an animation uses it.

Large systems (hundreds of institutions) are drawn as **supernodes**: one per kind, or one per
(kind, community) pair, with communities found by Louvain modularity on the exposure network.
"""

from __future__ import annotations

import textwrap

import networkx as nx
import numpy as np

from aicontagion.core.kinds import TIER, Kind

TIER_HEADINGS = {
    Kind.PENSION_LP: "pensions, insurers, ETFs",
    Kind.GOVERNMENT: "government",
    Kind.PRIVATE_CREDIT_FUND: "private credit",
    Kind.BANK: "banks",
    Kind.SPV: "SPVs",
    Kind.NEOCLOUD: "neoclouds",
    Kind.TECH_GIANT: "tech giants",
    Kind.AI_LAB: "AI labs",
    Kind.CHIP_SUPPLIER: "chip suppliers",
}
"""How a kind is named in the heading of its tier's column."""

_KIND_ORDER = {k: i for i, k in enumerate(sorted(Kind, key=lambda k: (TIER.get(k, 1), k)))}


def tier_slots(kind: np.ndarray) -> dict[int, int]:
    """Column (0, 1, ...) of each tier that has nodes: empty tiers take no room."""
    return {int(t): i for i, t in enumerate(np.unique(tier_of(kind)))}


def tier_headings(kind: np.ndarray) -> dict[int, str]:
    """Heading of each column that has nodes (keyed by column): its kinds, one per line."""
    slots = tier_slots(kind)
    present = sorted({Kind(int(k)) for k in np.unique(kind)}, key=lambda k: _KIND_ORDER[k])
    out: dict[int, list[str]] = {}
    for k in present:
        heading = TIER_HEADINGS.get(k, k.label.replace("_", " ") + "s")
        out.setdefault(slots[int(TIER.get(k, 1))], []).append(heading)
    return {t: "\n".join(names) for t, names in out.items()}


def tier_of(kind: np.ndarray) -> np.ndarray:
    """Tier (0-4) of each institution kind code."""
    lookup = np.array([TIER.get(Kind(k), 1) for k in range(len(Kind))])  # a kind without a tier: the middlemen
    return lookup[np.asarray(kind, dtype=int)]


def tiered_layout(
    kind: np.ndarray,
    pairs: np.ndarray,
    weight: np.ndarray,
    size: np.ndarray | None = None,
    sweeps: int = 4,
    per_column: int = 14,
) -> np.ndarray:
    """Positions ``(n, 2)``: x = column of the node's tier (0, 1, ...), y in [0, 1] within it.

    Tiers without nodes take no column. A tier with more than ``per_column`` nodes zig-zags over
    several sub-columns (within +-0.3 of its column) so its nodes stay apart.

    Args:
        kind: kind code of each node.
        pairs: ``(E, 2)`` node indices (creditor, obligor) of the exposure lines.
        weight: exposure of each pair (USD bn), used to pull connected nodes level.
        size: node size used for the first order within a kind (largest on top).
        sweeps: barycentre sweeps over the tiers (more: fewer crossings, same cost order).
        per_column: most nodes in one column before it splits.
    """
    kind = np.asarray(kind, dtype=int)
    n = kind.size
    tiers = tier_of(kind)
    slots = tier_slots(kind)
    size = np.zeros(n) if size is None else np.asarray(size, dtype=float)
    rank = np.array([_KIND_ORDER[Kind(k)] for k in kind])
    x = np.array([slots[int(t)] for t in tiers], dtype=float)
    y = np.zeros(n)
    a, b = (np.asarray(pairs[:, 0]), np.asarray(pairs[:, 1])) if len(pairs) else (None, None)
    w = np.sqrt(np.maximum(np.asarray(weight, dtype=float), 0.0)) + 1e-9
    key = -size  # first order: kind, then size (largest on top); then barycentre sweeps
    orders: dict[int, np.ndarray] = {}
    for sweep in range(sweeps + 1):
        if sweep:
            if a is None:
                break
            pull = np.bincount(a, weights=w * y[b], minlength=n) + np.bincount(b, weights=w * y[a], minlength=n)
            mass = np.bincount(a, weights=w, minlength=n) + np.bincount(b, weights=w, minlength=n)
            key = -np.where(mass > 0, pull / np.maximum(mass, 1e-12), y)
        for t in np.unique(tiers):
            rows = np.flatnonzero(tiers == t)
            orders[t] = order = rows[np.lexsort((key[rows], rank[rows]))]  # kinds together, top to bottom
            y[order] = _spread(rank[order])
    for order in orders.values():
        columns = -(-order.size // per_column)
        if columns > 1:
            x[order] += np.linspace(-0.3, 0.3, columns)[np.arange(order.size) % columns]
    return np.column_stack([x, y])


def _spread(groups: np.ndarray) -> np.ndarray:
    """Even positions top (1) to bottom (0) with a half gap between kind groups."""
    k = groups.size
    if k == 1:
        return np.array([0.5])
    gaps = np.concatenate([[0.0], (np.diff(groups) != 0) * 0.6 + 1.0])
    pos = np.cumsum(gaps)
    pos = pos / pos[-1]
    margin = 0.04 if k > 3 else 0.2
    return 1.0 - margin - pos * (1.0 - 2 * margin)


def supernode_groups(
    kind: np.ndarray,
    pairs: np.ndarray,
    weight: np.ndarray,
    size: np.ndarray,
    per_kind: int = 4,
    method: str = "community",
    seed: int = 0,
    names: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Group institutions into supernodes of one kind each, at most ``per_kind`` per kind.

    With ``method="community"``, a kind with at most ``per_kind`` members keeps them as they are
    (named); a larger kind's members are split by community (Louvain modularity on the exposure
    network, undirected, weighted by exposure), the ``per_kind - 1`` largest groups (by ``size``)
    are kept and the rest merged into one "others" group. With ``method="kind"``, there is one
    supernode per kind.

    Args:
        kind: kind code of each institution.
        pairs, weight: exposure lines (creditor, obligor) and their size (USD bn).
        size: size of each institution (total assets, USD bn), to rank the groups.
        per_kind: the most supernodes per kind.
        method: ``"community"`` or ``"kind"``.
        seed: seed of the community detection.
        names: institution names (labels of the members kept as they are).

    Returns:
        ``group`` (supernode of each institution), ``group_kind`` (kind code of each supernode)
        and ``labels`` (``"banks\ngroup 2"``, ``"banks\nothers"``, ``"banks"`` or a name).
    """
    if method not in ("community", "kind"):
        raise ValueError(f"method must be 'community' or 'kind', not {method!r}")
    kind = np.asarray(kind, dtype=int)
    n = kind.size
    size = np.maximum(np.asarray(size, dtype=float), 0.0)
    community = np.zeros(n, dtype=int)
    if method == "community" and len(pairs) and per_kind > 1:
        g = nx.Graph()
        g.add_nodes_from(range(n))
        for (i, j), w in zip(np.asarray(pairs), np.asarray(weight, dtype=float), strict=True):
            if i != j and w > 0:
                prev = g.get_edge_data(int(i), int(j), {"weight": 0.0})["weight"]
                g.add_edge(int(i), int(j), weight=prev + float(w))
        for c, members in enumerate(nx.community.louvain_communities(g, weight="weight", seed=seed)):
            community[list(members)] = c + 1
    # within each kind: keep the largest per_kind - 1 communities, merge the rest into "others" (0)
    sub = np.zeros(n, dtype=int)
    alone: dict[int, int] = {}  # key of a supernode of one institution kept as it is -> the institution
    for k in np.unique(kind):
        rows = np.flatnonzero(kind == k)
        if rows.size <= per_kind and method == "community":
            sub[rows] = np.arange(1, rows.size + 1)
            alone.update({int(k) * (n + 2) + j + 1: int(r) for j, r in enumerate(rows)})
            continue
        comms, inv = np.unique(community[rows], return_inverse=True)
        if comms.size <= per_kind:
            sub[rows] = inv + 1
            continue
        mass = np.bincount(inv, weights=size[rows])
        keep = np.argsort(-mass, kind="stable")[: per_kind - 1]
        rank = np.zeros(comms.size, dtype=int)
        rank[keep] = np.arange(1, keep.size + 1)
        sub[rows] = rank[inv]  # 0 = others
    keys, group = np.unique(kind * (n + 2) + sub, return_inverse=True)
    group_kind = keys // (n + 2)
    groups_of_kind = np.bincount(group_kind, minlength=len(Kind))
    labels = []
    for key, k in zip(keys, group_kind, strict=True):
        heading = TIER_HEADINGS.get(Kind(int(k)), Kind(int(k)).label.replace("_", " "))
        part = int(key % (n + 2))
        if int(key) in alone:
            labels.append(names[alone[int(key)]] if names else f"{heading} {part}")
        else:
            labels.append(
                heading if groups_of_kind[k] == 1 else f"{heading}\n{'others' if part == 0 else f'group {part}'}"
            )
    return group.astype(np.int64), group_kind.astype(np.int64), labels


def short_label(name: str, width: int = 18) -> str:
    """A node label of at most two lines of ``width`` characters (lines given in ``name`` are kept)."""
    if "\n" in name:
        return "\n".join(textwrap.shorten(line, width + 8, placeholder="...") for line in name.splitlines()[:3])
    lines = textwrap.wrap(name, width)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="...")]
    return "\n".join(lines)


__all__ = ["TIER_HEADINGS", "short_label", "supernode_groups", "tier_headings", "tier_of", "tiered_layout"]
