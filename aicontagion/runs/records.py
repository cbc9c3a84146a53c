"""Run records of sweeps: one Parquet file per run, written atomically (the code version they carry
is :func:`aicontagion.core.version.code_version`).

A record is one row: the run's identity and parameters, its status and error, and the flattened
summary (all summary numbers as float64, so files of one sweep share one schema). A successful
run's file is ``<run_id>.parquet``; a failed run's is ``<run_id>.error.parquet`` (replaced by the
first when a retry succeeds). Files are written to a hidden temporary name and renamed, so a
killed sweep leaves no partial file under a real name. At the end of a sweep the files' schemas
are made identical (a failed run gets the summary columns as nulls), because
``pandas.read_parquet(DIR)`` takes its columns from one file.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aicontagion.core.version import code_version

STRING_COLUMNS = ("run_id", "scenario", "productivity", "policies", "code_version", "status", "error")
INT_COLUMNS = ("seed", "months")
SERIES_DIR = "_series"
STALE_SECONDS = 3600.0  # hidden temporary files older than this are leftovers of killed runs
PARQUET_OPTIONS = {"write_statistics": False, "store_schema": False}  # one-row files: halves their size


# ---------------------------------------------------------------- writing
def record_path(out: Path, run_id: str, ok: bool) -> Path:
    """Where a run's record lives."""
    return Path(out) / (f"{run_id}.parquet" if ok else f"{run_id}.error.parquet")


def write_record(out: str | Path, record: dict[str, Any]) -> Path:
    """Write one run's record atomically; a failed run's record takes the summary columns (as
    nulls) of a successful record already in ``out``, when there is one."""
    out = Path(out)
    ok = record.get("status") == "ok"
    table = _table(record)
    if not ok:
        template = _any_ok_schema(out)
        if template is not None:
            table = conform(table, pa.unify_schemas([template, table.schema], promote_options="permissive"))
    path = record_path(out, record["run_id"], ok)
    _atomic(lambda tmp: pq.write_table(table, tmp, **PARQUET_OPTIONS), path)
    if ok:
        record_path(out, record["run_id"], False).unlink(missing_ok=True)
    return path


def write_series(out: str | Path, run_id: str, frame) -> Path:
    """Write a run's system-level series (long form) under ``out/_series/``."""
    folder = Path(out) / SERIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame.assign(run_id=run_id), preserve_index=False)
    path = folder / f"{run_id}.parquet"
    _atomic(lambda tmp: pq.write_table(table, tmp, **PARQUET_OPTIONS), path)
    return path


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically."""
    _atomic(lambda tmp: Path(tmp).write_text(json.dumps(obj, indent=2, default=str)), Path(path))


def _atomic(write, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _table(record: dict[str, Any]) -> pa.Table:
    fields, arrays = [], []
    for key, value in record.items():
        value = value.item() if isinstance(value, np.generic) else value
        if key in STRING_COLUMNS:
            typ = pa.string()
        elif key in INT_COLUMNS:
            typ = pa.int64()
        elif isinstance(value, bool):
            typ = pa.bool_()
        elif isinstance(value, int) and key.startswith("param."):
            typ = pa.int64()
        elif isinstance(value, str):
            typ = pa.string()
        else:
            typ = pa.float64()
            value = None if value is None else float(value)
        fields.append(pa.field(key, typ))
        arrays.append(pa.array([value], type=typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


# ---------------------------------------------------------------- reading and tidying
def record_paths(out: str | Path) -> tuple[set[str], set[str]]:
    """Ids of the runs recorded in ``out``: successful, and failed (without a later success)."""
    ok, failed = set(), set()
    folder = Path(out)
    if not folder.is_dir():
        return ok, failed
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith((".", "_")) or not name.endswith(".parquet"):
            continue
        if name.endswith(".error.parquet"):
            failed.add(name.removesuffix(".error.parquet"))
        else:
            ok.add(name.removesuffix(".parquet"))
    return ok, failed - ok


def trusted_records(out: str | Path) -> tuple[set[str], set[str]]:
    """:func:`record_paths`, keeping only records that read back whole: one row, its own run id
    and status. A truncated or corrupt file (a disk filled up, a copy cut short) is moved aside
    to a hidden ``.<name>.corrupt`` (ignored by ``pandas.read_parquet(DIR)``), so its run is run
    again and the folder stays readable."""
    ok, failed = record_paths(out)
    folder = Path(out)
    for ids, is_ok in ((ok, True), (failed, False)):
        for run_id in list(ids):
            path = record_path(folder, run_id, is_ok)
            if not _readable(path, run_id, is_ok):
                ids.discard(run_id)
                quarantine(path)
    return ok, failed


def _readable(path: Path, run_id: str, ok: bool) -> bool:
    try:
        table = pq.read_table(path, columns=["run_id", "status"])
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return False
    if table.num_rows != 1:
        return False
    row = table.to_pylist()[0]
    return row["run_id"] == run_id and (row["status"] == "ok") == ok


def quarantine(path: Path) -> None:
    """Move a record that cannot be trusted aside (hidden, so folder reads skip it)."""
    try:
        os.replace(path, path.parent / f".{path.name}.corrupt")
    except OSError:
        path.unlink(missing_ok=True)


def _record_files(folder: Path) -> list[Path]:
    return sorted(
        Path(e.path)
        for e in os.scandir(folder)
        if e.is_file() and not e.name.startswith((".", "_")) and e.name.endswith(".parquet")
    )


def _any_ok_schema(folder: Path) -> pa.Schema | None:
    if not folder.is_dir():
        return None
    for e in os.scandir(folder):
        if e.name.endswith(".parquet") and not e.name.endswith(".error.parquet") and not e.name.startswith((".", "_")):
            try:
                return pq.read_schema(e.path)
            except (OSError, pa.ArrowInvalid):
                continue
    return None


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns of ``schema``, in its order and types (missing ones as nulls)."""
    n = table.num_rows
    cols = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(n, type=f.type) for f in schema
    ]
    return pa.Table.from_arrays(cols, schema=pa.schema(list(schema)))


def harmonise(out: str | Path) -> int:
    """Give every record in ``out`` the same columns and types; returns the files rewritten.

    The column order is that of the widest record; a type conflict (int and float) is promoted.
    """
    folder = Path(out)
    files, schemas = [], []
    for f in _record_files(folder):
        try:
            schemas.append(pq.read_schema(f).remove_metadata())
            files.append(f)
        except (OSError, pa.ArrowException):  # written by someone else, or damaged since: never trusted
            quarantine(f)
    if not schemas or all(s.equals(schemas[0]) for s in schemas):
        return 0
    widest = max(schemas, key=len)
    target = pa.unify_schemas([widest, *schemas], promote_options="permissive")
    rewritten = 0
    for f, s in zip(files, schemas, strict=True):
        if not s.equals(target):
            table = conform(pq.read_table(f), target)
            _atomic(lambda tmp, t=table: pq.write_table(t, tmp, **PARQUET_OPTIONS), f)
            rewritten += 1
    return rewritten


def finish_sweep(out: str | Path) -> None:
    """Tidy a sweep folder: one schema for all records; stale temporary files removed."""
    folder = Path(out)
    now = time.time()
    for f in folder.glob(".*.tmp"):
        try:
            if now - f.stat().st_mtime > STALE_SECONDS:
                f.unlink()
        except OSError:
            pass
    harmonise(folder)


__all__ = [
    "code_version",
    "conform",
    "finish_sweep",
    "harmonise",
    "record_path",
    "quarantine",
    "record_paths",
    "trusted_records",
    "write_json",
    "write_record",
    "write_series",
]
