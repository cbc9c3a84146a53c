"""The exposure graph agrees with the books and feeds the clearing primitives."""

import networkx as nx
import numpy as np
import pytest

import aicontagion as ac
from aicontagion.network.clearing import debtrank, eisenberg_noe
from aicontagion.network.contracts import DEBT_TYPES, ContractType
from aicontagion.network.graph import ExposureGraph
from tests.conftest import MINI


@pytest.fixture(scope="module")
def model():
    return ac.Sim(MINI, productivity="slow", seed=1, months=12).run().model


def test_graph_nodes_and_edges(model):
    g = ExposureGraph.from_model(model)
    assert isinstance(g.graph, nx.MultiDiGraph)
    assert g.graph.number_of_nodes() == model.state.n
    c = model.state.contracts
    live = int((c.active & (c.creditor >= 0) & (c.obligor >= 0)).sum())
    assert g.graph.number_of_edges() == live
    assert g.graph.nodes["giant"]["kind"] == "tech_giant"
    # edges point from creditor to obligor: the fund lends to the neocloud
    assert g.graph.has_edge("fund", "neo")


def test_exposure_matrix_matches_the_books(model):
    g = ExposureGraph.from_model(model)
    claims = np.asarray(g.matrix(list(DEBT_TYPES) + [ContractType.EQUITY, ContractType.LP_COMMITMENT]).sum(axis=1))
    inside = model.state.contracts.obligor >= 0
    c = model.state.contracts
    expected = np.bincount(
        c.creditor[inside & (c.creditor >= 0)], weights=c.value()[inside & (c.creditor >= 0)], minlength=model.state.n
    )
    np.testing.assert_allclose(claims, expected)


def test_matrices_are_cached_and_typed(model):
    g = ExposureGraph.from_model(model)
    a = g.matrix(DEBT_TYPES)
    assert a is g.matrix(DEBT_TYPES)
    assert g.matrix(ContractType.LEASE, "payment").sum() >= 0
    with pytest.raises(ValueError):
        g.matrix(weight="colour")


def test_views_feed_the_primitives(model):
    g = ExposureGraph.from_system(ac.Sim(MINI).build().state.system)
    L = g.liabilities()
    res = eisenberg_noe(L, np.full(g.n, 1e6))  # everyone rich: everyone pays in full
    np.testing.assert_allclose(res.payments, np.asarray(L.sum(axis=1)).ravel())
    A = g.matrix(DEBT_TYPES)
    eq = np.maximum([g.graph.nodes[i]["equity"] for i in g.ids], 1e-6)
    h0 = np.zeros(g.n)
    h0[g.ids.index("neo")] = 1.0
    dr = debtrank(A, eq, h0)
    assert dr.distress[g.ids.index("fund")] > 0  # the neocloud's lender feels its failure
