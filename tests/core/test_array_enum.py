"""The model's enums behave in numpy exactly as the ints they are (core/numeric.ArrayIntEnum)."""

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.contract_types import ContractType, Seniority
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.obligations import Purpose

ENUMS = (Kind, Status, ContractType, Seniority, Channel, Purpose)


def test_members_are_unchanged_by_the_numpy_attributes():
    # the two dunder attributes are not members
    for enum in ENUMS:
        assert [m.name for m in enum] == list(enum.__members__)
        assert all(not name.startswith("__") for name in enum.__members__)
    assert [s.name for s in Status] == ["ACTIVE", "DISTRESSED", "DEFAULTED"]


def test_array_operations_match_plain_ints():
    codes = np.array([0, 2, 1, 2, 0])
    floats = codes * 1.5
    for enum in ENUMS:
        for m in enum:
            v = int(m)
            assert np.array_equal(codes == m, codes == v)
            assert np.array_equal(np.maximum(codes, m), np.maximum(codes, v))
            assert np.array_equal(floats * m, floats * v)
            assert np.array_equal(np.where(codes == m, m, -1), np.where(codes == v, v, -1))
            assert np.array_equal(np.isin(codes, [m]), np.isin(codes, [v]))
            assert np.full(3, m).dtype == np.full(3, v).dtype
    table = np.zeros(len(Kind), dtype=bool)
    table[[Kind.BANK, Kind.SPV]] = True
    assert table.nonzero()[0].tolist() == [int(Kind.SPV), int(Kind.BANK)]
