"""ExposureGraph: the contract table as a networkx MultiDiGraph, with sparse matrix views.

The simulation's hot path works on :class:`~aicontagion.network.contracts.ContractTable` arrays;
this graph is the analyst's view of the same network at one moment: nodes are institutions (with
kind, name and, from a model, equity, status and distress), edges are contracts pointing from
creditor / holder / provider to obligor / issuer / customer (key = contract row), and
:meth:`ExposureGraph.matrix` gives cached ``scipy.sparse`` matrices per contract type, in the
conventions of the clearing primitives:

* ``matrix(types, "exposure")[i, j]``: what ``i`` has at stake on ``j`` (USD bn): a debt claim
  at its mark, a stake at its carrying value, a lease or offtake at its annual payment;
* ``liabilities(types)[i, j]``: nominal debt ``i`` owes ``j`` (row owes column), the ``L`` of
  :func:`~aicontagion.network.clearing.eisenberg_noe`.

>>> g = ExposureGraph.from_model(sim.model)
>>> A = g.matrix(DEBT_TYPES)                      # for debtrank(A, equity, h0)
>>> nx.pagerank(g.graph.reverse())                # any networkx algorithm
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import scipy.sparse as sp

from aicontagion.core.kinds import Kind, Status
from aicontagion.network.contracts import (
    DEBT_TYPES,
    EXECUTORY_TYPES,
    STAKE_TYPES,
    ContractTable,
    ContractType,
)

WEIGHTS = ("exposure", "nominal", "payment")


class ExposureGraph:
    """A snapshot of the exposure network.

    Args:
        contracts: the contract table.
        ids: institution ids (row order of the arrays).
        kind: kind code of each institution.
        node_data: optional per-institution arrays to attach to nodes (``equity``...).
    """

    def __init__(
        self,
        contracts: ContractTable,
        ids: list[str],
        kind: np.ndarray,
        node_data: dict[str, np.ndarray] | None = None,
        names: list[str] | None = None,
    ):
        self.contracts = contracts.copy()
        self.ids = list(ids)
        self.kind = np.asarray(kind)
        self.n = len(ids)
        self._cache: dict[tuple, sp.csr_array] = {}
        self.graph = nx.MultiDiGraph()
        for r, ident in enumerate(ids):
            attrs = {"kind": Kind(int(self.kind[r])).label, "row": r, "name": names[r] if names else ident}
            for k, v in (node_data or {}).items():
                attrs[k] = float(v[r]) if np.issubdtype(np.asarray(v).dtype, np.floating) else v[r]
            self.graph.add_node(ident, **attrs)
        c = self.contracts
        value = c.value()
        live = np.flatnonzero(c.active & (c.creditor >= 0) & (c.obligor >= 0))
        for row in live:
            self.graph.add_edge(
                ids[c.creditor[row]],
                ids[c.obligor[row]],
                key=int(row),
                id=c.ids[row],
                type=ContractType(int(c.ctype[row])).name.lower(),
                principal=float(c.principal[row]),
                value=float(value[row]),
                payment=float(c.payment[row]),
                share=float(c.share[row]),
                rate=float(c.rate[row]),
                maturity=int(c.maturity[row]),
            )

    @classmethod
    def from_model(cls, model) -> ExposureGraph:
        """Snapshot of a running :class:`~aicontagion.model.ContagionModel`."""
        data = {
            "equity": model.state.books.equity,
            "assets": model.state.books.assets(model.state.contracts, model.state.markets.marked_price),
            "distress": model.state.lifecycle.distress,
            "status": np.array([Status(int(s)).name.lower() for s in model.state.lifecycle.status]),
        }
        return cls(
            model.state.contracts,
            model.state.registry.ids,
            model.state.registry.kind,
            data,
            names=model.state.system.names,
        )

    @classmethod
    def from_system(cls, system) -> ExposureGraph:
        """The opening network of a built scenario (:class:`~aicontagion.scenarios.build.System`)."""
        return cls(system.contracts, system.ids, system.kind, {"equity": system.books.equity}, names=system.names)

    # -- matrices -------------------------------------------------------------------------------------
    def matrix(
        self, types: ContractType | Iterable[ContractType] | None = None, weight: str = "exposure"
    ) -> sp.csr_array:
        """Sparse ``n x n`` matrix: ``[i, j]`` = weight of contracts from ``i`` (creditor) to ``j``.

        Args:
            types: contract types to include (None: all).
            weight: ``exposure`` (claims at mark, stakes at carrying value, executory at annual payment),
                ``nominal`` (principal; stakes' carrying value; executory annual payment) or
                ``payment`` (monthly payment of leases, offtakes and backstops).
        """
        if weight not in WEIGHTS:
            raise ValueError(f"weight must be one of {WEIGHTS}, not {weight!r}")
        types = tuple(ContractType) if types is None else (types,) if isinstance(types, ContractType) else tuple(types)
        key = (tuple(sorted(int(t) for t in types)), weight)
        if key not in self._cache:
            self._cache[key] = self._build(types, weight)
        return self._cache[key]

    def _build(self, types, weight) -> sp.csr_array:
        c = self.contracts
        rows = np.flatnonzero(c.of_type(*types) & (c.creditor >= 0) & (c.obligor >= 0))
        ct = c.ctype[rows]
        debt = np.isin(ct, [int(t) for t in DEBT_TYPES])
        stake = np.isin(ct, [int(t) for t in STAKE_TYPES])
        executory = np.isin(ct, [int(t) for t in EXECUTORY_TYPES])
        if weight == "payment":
            w = c.payment[rows]
        else:
            claim = c.principal[rows] * (c.mark[rows] if weight == "exposure" else 1.0)
            w = np.where(debt, claim, np.where(stake, c.principal[rows], np.where(executory, 12 * c.payment[rows], 0)))
        m = sp.coo_array((w, (c.creditor[rows], c.obligor[rows])), shape=(self.n, self.n))
        return m.tocsr()

    def liabilities(self, types: Iterable[ContractType] = DEBT_TYPES) -> sp.csr_array:
        """``L[i, j]`` = nominal debt ``i`` owes ``j`` (the transpose of creditor-side nominal claims)."""
        return self.matrix(types, "nominal").T.tocsr()

    def of_kind(self, kind: Kind) -> list[str]:
        """Ids of the institutions of ``kind``."""
        return [self.ids[r] for r in np.flatnonzero(self.kind == int(kind))]

    def __repr__(self) -> str:
        return f"ExposureGraph({self.graph.number_of_nodes()} institutions, {self.graph.number_of_edges()} contracts)"
