"""What ran, recorded with every result: the provenance fields, strict JSON, Parquet files that carry them.

A run's **provenance** is a dict with the fields of :data:`FIELDS`: the scenario's name and a hash
of its full specification (overrides applied), the productivity path, the seed, the months, the
policies, the contagion channels and the code version (:func:`aicontagion.core.version.code_version`).
``Sim.summary`` carries these fields at its top level, ``summary.json`` too, and every Parquet
file ``Sim.save`` writes carries them as file-level metadata (key :data:`PARQUET_KEY`), read back by
:func:`read_provenance`.

JSON written here is strict: NaN and infinities become ``null`` (Python's ``json`` would write a
bare ``NaN``, which is not JSON and which other readers reject).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FIELDS = (
    "scenario",
    "scenario_hash",
    "productivity",
    "seed",
    "months",
    "policies",
    "channels",
    "code_version",
)
"""The provenance fields, in the order they are written."""

PARQUET_KEY = b"aicontagion.provenance"
"""The key of the provenance (JSON) in a Parquet file's metadata."""


def scenario_hash(spec) -> str:
    """A short hash (16 hex digits) of a scenario specification (a pydantic model), overrides
    applied: two runs with the same hash ran the same scenario."""
    text = json.dumps(spec.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN and infinities as None, numpy scalars and arrays as Python values,
    timestamps as ISO strings, tuples as lists, anything else unknown as its ``str``."""
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | np.ndarray):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)


def dumps(obj: Any, indent: int | None = 2) -> str:
    """Strict JSON of ``obj`` (see :func:`json_safe`): never a bare ``NaN``."""
    return json.dumps(json_safe(obj), indent=indent, allow_nan=False)


def nan_for_null(obj: Any, keep: tuple[str, ...] = ("pars", "policies", "channels")) -> Any:
    """The inverse of :func:`json_safe` for a summary read back from JSON: ``None`` becomes NaN,
    except under the keys ``keep`` (where None means None)."""
    if isinstance(obj, Mapping):
        return {k: (v if k in keep else nan_for_null(v, keep)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [nan_for_null(v, keep) for v in obj]
    return float("nan") if obj is None else obj


def write_parquet(frame: pd.DataFrame, path: str | Path, provenance: Mapping) -> Path:
    """Write ``frame`` (no index) to Parquet with ``provenance`` in the file's metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {}) | {PARQUET_KEY: dumps(provenance, indent=None).encode()}
    pq.write_table(table.replace_schema_metadata(meta), Path(path))
    return Path(path)


def read_provenance(path: str | Path) -> dict:
    """The provenance in a Parquet file's metadata (``{}`` if it has none)."""
    meta = pq.read_schema(Path(path)).metadata or {}
    return json.loads(meta[PARQUET_KEY]) if PARQUET_KEY in meta else {}


__all__ = [
    "FIELDS",
    "PARQUET_KEY",
    "dumps",
    "json_safe",
    "nan_for_null",
    "read_provenance",
    "scenario_hash",
    "write_parquet",
]
