"""Frames of a network animation: a run recorded month by month, and supernodes for large systems.

Recording never changes the model: :class:`FrameRecorder` steps a ``Sim(...).build()`` model
with ``model.step()`` and, after each month, reads what the picture needs from the model's
arrays: equity, assets, distress and status per institution; the exposure of every contract
(debt at its mark, stakes at carrying value, leases and offtakes at a year's payment, contingent
contracts at what they cover), summed per creditor-obligor pair; the loss each contract carried
this month (a fall in its mark or in the value of a stake, or its end before maturity or in a
default); cumulative losses at their final bearers (the recorder's ``losses`` series) and
defaults by kind; the financing chain's system series (private credit's AI exposure, banks'
claims on funds and SPVs, the order book). Nodes that never had assets or a line (build-out
vehicles that never opened) are left out of a recorded animation (:func:`drop_dormant`);
systems with more than ``max_nodes`` institutions (default 300) are drawn as supernodes (see
:func:`aggregate`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.progress import progress_bar
from aicontagion.network.contracts import (
    CONTINGENT_TYPES,
    DEBT_TYPES,
    EXECUTORY_TYPES,
    STAKE_TYPES,
    ContractType,
)
from aicontagion.policies import from_name, policy_names
from aicontagion.sim import Sim
from aicontagion.viz.layout import supernode_groups
from aicontagion.viz.writers import AnimationError

MAX_NODES = 300
CHAIN_SERIES = ("pc_ai_exposure", "bank_fund_exposure", "bank_spv_exposure", "order_book")
"""System series of the financing chain shown under each picture (USD bn)."""

_FAMILY = np.zeros(len(ContractType), dtype=np.int8)  # 1 debt, 2 stake, 3 executory, 4 guarantee, 5 backstop
_FAMILY[list(DEBT_TYPES)] = 1
_FAMILY[list(STAKE_TYPES)] = 2
_FAMILY[list(EXECUTORY_TYPES)] = 3
_FAMILY[list(CONTINGENT_TYPES)] = 5
_FAMILY[ContractType.GUARANTEE] = 4
_ROW_FIELDS = (
    "ctype",
    "creditor",
    "obligor",
    "principal",
    "mark",
    "share",
    "payment",
    "limit",
    "covers",
    "maturity",
    "active",
)


def policies_from_name(name: str | None) -> list:
    """The policies behind a CLI or app name (see :func:`aicontagion.policies.from_name`):
    ``none`` is no policy; raises :class:`AnimationError` (one line) for a name it does not know."""
    if name is None or name == "none":
        return []
    try:
        return from_name(name)
    except (ValueError, TypeError, KeyError) as exc:
        raise AnimationError(str(exc).strip().splitlines()[0]) from None


@dataclass
class Frames:
    """One run recorded month by month (``T`` frames, ``n`` nodes, ``E`` exposure pairs). USD bn.

    Attributes:
        label: what ran (``"ai_2025 / disproven / seed 1"``).
        names: node labels (institution names, or supernode labels).
        kind: kind code of each node, ``(n,)``.
        dates: calendar month of each frame (``"2026-03"``).
        months: months since the start of each frame, ``(T,)`` (1 = after the first month).
        equity, assets, distress: per frame and node, ``(T, n)``.
        status: :class:`~aicontagion.core.kinds.Status` per frame and node, ``(T, n)``.
        equity0, assets0: opening equity and assets, ``(n,)``.
        pairs: ``(E, 2)`` node indices (creditor / holder / provider, obligor / issuer / customer).
        exposure: exposure of each pair per frame, ``(T, E)``.
        loss: loss each pair carried in the month of the frame, ``(T, E)``.
        losses: cumulative losses at their final bearers, ``(T,)``.
        defaults_by_kind: institutions defaulted so far per kind, ``(T, len(Kind))``.
        system_assets: opening assets of the system (government excluded).
        members: institutions behind each node, ``(n,)`` (1 unless aggregated).
        defaulted: defaulted institutions behind each node per frame, ``(T, n)``.
        chain: the financing chain per frame, ``(T, 4)`` USD bn: private credit's AI exposure,
            banks' claims on private-credit funds, banks' claims on SPVs, the capex order book
            (the recorder's ``CHAIN_SERIES``; None when not recorded).
    """

    label: str
    names: list[str]
    kind: np.ndarray
    dates: list[str]
    months: np.ndarray
    equity: np.ndarray
    assets: np.ndarray
    distress: np.ndarray
    status: np.ndarray
    equity0: np.ndarray
    assets0: np.ndarray
    pairs: np.ndarray
    exposure: np.ndarray
    loss: np.ndarray
    losses: np.ndarray
    defaults_by_kind: np.ndarray
    system_assets: float
    members: np.ndarray
    defaulted: np.ndarray
    chain: np.ndarray | None = None

    @property
    def T(self) -> int:  # noqa: N802 (the usual name for a number of frames)
        """Number of frames."""
        return len(self.dates)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.names)

    @property
    def aggregated(self) -> bool:
        """True when nodes are supernodes."""
        return bool((self.members != 1).any())


def _row_state(contracts) -> dict[str, np.ndarray]:
    return {k: getattr(contracts, k).copy() for k in _ROW_FIELDS}


def _row_exposure(s: dict[str, np.ndarray]) -> np.ndarray:
    """What the creditor side has at stake on each contract row (USD bn)."""
    fam = _FAMILY[s["ctype"]]
    covered = np.where(s["covers"] >= 0, s["principal"][np.maximum(s["covers"], 0)], 0.0)
    guarantee = np.minimum(s["share"] * covered, s["limit"])
    expo = np.select(
        [fam == 1, fam == 2, fam == 3, fam == 4, fam == 5],
        [s["principal"] * s["mark"], s["principal"], 12 * s["payment"], guarantee, 12 * s["payment"]],
        0.0,
    )
    live = s["active"] & (s["creditor"] >= 0) & (s["obligor"] >= 0)
    return np.where(live, np.maximum(expo, 0.0), 0.0)


class FrameRecorder:
    """Snapshots of a :class:`~aicontagion.model.ContagionModel` for the network picture.

    Build it on a fresh model (the opening state is the reference for the first month's losses),
    call :meth:`snapshot` after every ``model.step()``, and :meth:`frames` at any time. It only
    reads the model.
    """

    def __init__(self, model, label: str = ""):
        self.model = model
        self.label = label or f"{model.spec.name} / {model.state.ai.path_name}"
        self._kind = np.asarray(model.state.registry.kind, dtype=np.int64)
        self._losses_at = model.recorder.system_names.index("losses")
        self._chain_at = [model.recorder.system_names.index(x) for x in CHAIN_SERIES]
        self._chain: list[list[float]] = []
        self._prev = _row_state(model.state.contracts)
        self._prev_expo = _row_exposure(self._prev)
        self._nodes: list[tuple] = []
        self._edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._meta: list[tuple[str, int, float]] = []
        self.equity0 = model.state.books.equity.copy()
        self.assets0 = np.asarray(model.state.snapshot.assets0, dtype=float).copy()

    def snapshot(self) -> None:
        """Record the month just completed."""
        m = self.model
        n = m.state.n
        now = _row_state(m.state.contracts)
        expo = _row_exposure(now)
        loss = self._row_losses(now, m.month)
        creditor = now["creditor"].copy()
        k = self._prev["creditor"].size
        creditor[:k] = np.where(creditor[:k] >= 0, creditor[:k], self._prev["creditor"])  # claims sold off
        keys = creditor * n + now["obligor"]
        keep = ((expo > 0) | (loss > 0)) & (creditor >= 0) & (now["obligor"] >= 0)
        uniq, inv = np.unique(keys[keep], return_inverse=True)
        self._edges.append(
            (uniq, np.bincount(inv, weights=expo[keep], minlength=uniq.size), np.bincount(inv, weights=loss[keep]))
        )
        assets = m.state.books.assets(m.state.contracts, m.state.markets.marked_price)
        self._nodes.append(
            (m.state.books.equity.copy(), assets, m.state.lifecycle.distress.copy(), m.state.lifecycle.status.copy())
        )
        self._meta.append((str(m.date), int(m.month) + 1, float(m.recorder.system[-1][self._losses_at])))
        self._chain.append([float(m.recorder.system[-1][i]) for i in self._chain_at])
        self._prev, self._prev_expo = now, expo

    def _row_losses(self, now: dict[str, np.ndarray], month: int) -> np.ndarray:
        """Loss each contract row carried since the last snapshot (USD bn): a fall in a claim's
        mark or in a stake's value per share, or the whole exposure of a contract that ended
        before its maturity or in its obligor's default."""
        p = self._prev
        k = p["ctype"].size
        loss = np.zeros(now["ctype"].size)
        fam = _FAMILY[p["ctype"]]
        was = self._prev_expo > 0
        still = now["active"][:k] & (now["creditor"][:k] >= 0) & (now["obligor"][:k] >= 0)
        principal, mark, share = now["principal"][:k], now["mark"][:k], now["share"][:k]
        debt = was & still & (fam == 1)
        loss[:k][debt] = (principal * np.maximum(p["mark"] - mark, 0.0))[debt]
        stake = was & still & (fam == 2) & (p["share"] > 0) & (share > 0)
        before = p["principal"] / np.where(p["share"] > 0, p["share"], 1.0)
        after = principal / np.where(share > 0, share, 1.0)
        loss[:k][stake] = (share * np.maximum(before - after, 0.0))[stake]
        obligor_dead = self.model.state.lifecycle.status[np.maximum(p["obligor"], 0)] == Status.DEFAULTED
        kept = now["creditor"][:k] == p["creditor"]  # not sold off by a defaulted holder's estate
        ended = was & ~still & (obligor_dead | kept & (p["maturity"] > month))
        loss[:k][ended] = self._prev_expo[ended]
        return loss

    def frames(self) -> Frames:
        """The recording so far as dense arrays (pairs are the union over all frames)."""
        m = self.model
        n = m.state.n
        t = len(self._nodes)
        all_keys = np.unique(np.concatenate([e[0] for e in self._edges])) if t else np.zeros(0, dtype=np.int64)
        exposure = np.zeros((t, all_keys.size))
        loss = np.zeros((t, all_keys.size))
        for i, (keys, expo, lost) in enumerate(self._edges):
            at = np.searchsorted(all_keys, keys)
            exposure[i, at] = expo
            loss[i, at] = lost
        stack = [np.array([frame[j] for frame in self._nodes]).reshape(t, n) for j in range(4)]
        status = stack[3].astype(np.int8)
        dead = status == Status.DEFAULTED
        by_kind = np.array([np.bincount(self._kind[d], minlength=len(Kind)) for d in dead]).reshape(t, len(Kind))
        gov = self._kind == int(Kind.GOVERNMENT)
        return Frames(
            label=self.label,
            names=list(m.state.system.names),
            kind=self._kind.copy(),
            dates=[d for d, _, _ in self._meta],
            months=np.array([mo for _, mo, _ in self._meta], dtype=np.int64),
            equity=stack[0],
            assets=stack[1],
            distress=stack[2],
            status=status,
            equity0=self.equity0,
            assets0=self.assets0,
            pairs=np.column_stack([all_keys // n, all_keys % n]).astype(np.int64),
            exposure=exposure,
            loss=loss,
            losses=np.array([x for _, _, x in self._meta]),
            defaults_by_kind=by_kind,
            system_assets=float(self.assets0[~gov].sum()),
            members=np.ones(n, dtype=np.int64),
            defaulted=dead.astype(np.int64),
            chain=np.array(self._chain, dtype=float).reshape(t, len(CHAIN_SERIES)),
        )


def record(
    scenario: Any = "ai_2025",
    productivity: str | None = None,
    policy: str | None = "none",
    months: int | None = None,
    seed: int | None = 1,
    progress: bool = False,
    **overrides: Any,
) -> Frames:
    """Run a scenario month by month and record the frames of its network picture.

    Args:
        scenario: a shipped scenario name, a YAML path or a spec (as for :class:`~aicontagion.Sim`).
        productivity: AI-productivity path (None: the scenario's default).
        policy: a policy name (see :func:`policies_from_name`); ``none`` for none.
        months: months to run, one frame each (None: the scenario's ``months``).
        seed: seed of the model's random generator.
        progress: show a progress bar.
        **overrides: scenario overrides, as for :class:`~aicontagion.Sim`.
    """
    sim = Sim(
        scenario, productivity=productivity, seed=seed, months=months, policies=policies_from_name(policy), **overrides
    )
    return record_sim(sim, progress=progress, policy=policy)


def record_sim(sim, progress: bool = False, policy: str | None = None) -> Frames:
    """Record a (not yet run) :class:`~aicontagion.Sim`; the run's model is left in ``sim.model``.
    Nodes that never had assets or a line are left out (:func:`drop_dormant`)."""
    model = sim.build()
    label = f"{sim.spec.name} / {sim.pars['productivity']}"
    if policy and policy != "none":
        label += f" / {policy}"
    rec = FrameRecorder(model, label=f"{label} / seed {sim.seed}")
    steps = progress_bar(range(sim.months), progress, desc=f"simulating {sim.spec.name}", unit="month")
    for _ in steps:
        model.step()
        rec.snapshot()
    for p in model.policies:
        p.finalize(model)
    sim.model = model
    return drop_dormant(rec.frames())


def aggregate(
    frames: Frames, max_nodes: int = MAX_NODES, method: str = "community", per_kind: int = 4, seed: int = 0
) -> Frames:
    """Supernodes for a large system; ``frames`` unchanged when it has at most ``max_nodes`` nodes.

    Institutions are grouped by kind and exposure community, at most ``per_kind`` supernodes
    per kind (see :func:`~aicontagion.viz.layout.supernode_groups`; ``method="kind"`` gives
    one per kind). A supernode's equity and assets are sums, its distress the assets-weighted
    mean, its status *defaulted* when all its members defaulted and *distressed* when members
    with a quarter of its opening assets are distressed or defaulted; exposures between
    supernodes are summed and those within one are dropped. Cumulative losses and defaults by
    kind are those of the whole system.
    """
    if frames.n <= max_nodes:
        return frames
    weight = frames.exposure.max(axis=0) if frames.T else np.zeros(len(frames.pairs))
    group, group_kind, labels = supernode_groups(
        frames.kind,
        frames.pairs,
        weight,
        frames.assets0,
        per_kind=per_kind,
        method=method,
        seed=seed,
        names=frames.names,
    )
    g = group_kind.size
    onehot = np.zeros((frames.n, g))
    onehot[np.arange(frames.n), group] = 1.0
    members = onehot.sum(axis=0).astype(np.int64)
    first = np.zeros(g, dtype=np.int64)
    first[group[::-1]] = np.arange(frames.n)[::-1]  # a member of each supernode (its name if alone)
    assets = frames.assets @ onehot
    distress = np.divide(
        (frames.distress * frames.assets) @ onehot, assets, out=np.zeros_like(assets), where=assets > 0
    )
    dead = (frames.status == Status.DEFAULTED).astype(float) @ onehot
    weight0 = np.maximum(frames.assets0, 0.0)
    troubled = ((frames.status != Status.ACTIVE) * weight0) @ onehot
    troubled_share = np.divide(troubled, weight0 @ onehot, out=np.zeros_like(troubled), where=weight0 @ onehot > 0)
    status = np.where(
        dead >= members - 0.5, Status.DEFAULTED, np.where(troubled_share >= 0.25, Status.DISTRESSED, Status.ACTIVE)
    )
    a, b = group[frames.pairs[:, 0]], group[frames.pairs[:, 1]]
    between = a != b
    keys, inv = np.unique(a[between] * g + b[between], return_inverse=True)
    pair_sum = sp.csr_array((np.ones(inv.size), (np.arange(inv.size), inv)), shape=(inv.size, keys.size))
    return replace(
        frames,
        names=[
            f"{lab}, {m} institutions" if m > 1 else frames.names[j]
            for lab, m, j in zip(labels, members, first, strict=True)
        ],
        kind=group_kind,
        equity=frames.equity @ onehot,
        assets=assets,
        distress=distress,
        status=status.astype(np.int8),
        equity0=frames.equity0 @ onehot,
        assets0=frames.assets0 @ onehot,
        pairs=np.column_stack([keys // g, keys % g]).astype(np.int64),
        exposure=frames.exposure[:, between] @ pair_sum,
        loss=frames.loss[:, between] @ pair_sum,
        members=members,
        defaulted=np.rint(dead).astype(np.int64),
    )


def drop_dormant(frames: Frames) -> Frames:
    """``frames`` without the nodes that never had assets or an exposure line in the whole
    recording (a pool's build-out vehicles that never opened; the government, which acts through
    policies, is kept); unchanged when there are none."""
    used = (frames.assets0 > 0) | (frames.assets > 0).any(axis=0) | (frames.equity0 != 0)
    used |= frames.kind == int(Kind.GOVERNMENT)
    live = frames.exposure.max(axis=0, initial=0.0) > 0 if frames.T else np.zeros(len(frames.pairs), dtype=bool)
    used[frames.pairs[live].ravel()] = True
    if used.all():
        return frames
    new = np.cumsum(used) - 1  # old node -> new node
    keep = used[frames.pairs[:, 0]] & used[frames.pairs[:, 1]]
    return replace(
        frames,
        names=[x for x, u in zip(frames.names, used, strict=True) if u],
        kind=frames.kind[used],
        equity=frames.equity[:, used],
        assets=frames.assets[:, used],
        distress=frames.distress[:, used],
        status=frames.status[:, used],
        equity0=frames.equity0[used],
        assets0=frames.assets0[used],
        pairs=new[frames.pairs[keep]].reshape(-1, 2).astype(np.int64),
        exposure=frames.exposure[:, keep],
        loss=frames.loss[:, keep],
        members=frames.members[used],
        defaulted=frames.defaulted[:, used],
    )


__all__ = [
    "MAX_NODES",
    "AnimationError",
    "FrameRecorder",
    "Frames",
    "aggregate",
    "drop_dormant",
    "policies_from_name",
    "policy_names",
    "record",
    "record_sim",
]
