"""Check that every number in a scenario file cites its source.

Honest calibration is a rule of this project: each number in a scenario file cites a row of
``docs/calibration.md`` (a copy of the project's CALIBRATION.md) or says ``assumed``. Citations
are trailing YAML comments, one source per key or one for the whole line, separated by ``;``::

    principal: 27.3     # CAL Hyperion/bonds
    - {type: bond, principal: 18, rate: 0.0658}  # principal: CAL Hyperion/buyers; rate: CAL Hyperion/coupon
    - {id: meta, cash: 44, core_cash_flow: 100}  # cash: assumed; core_cash_flow: derived (operating cash flow)

A number given with a range (``gate: {value: 0.05, range: [0.02, 0.1]}``) needs a source for
itself and one for its range (``gate: assumed; range: CAL ...``, or one for the whole line).
A source is ``CAL <section>/<quantity>`` (a ``##`` heading of calibration.md and the first
column of a row of its table; each matched by prefix, case-insensitively), ``assumed``,
``derived (...)`` or ``SEED §N`` (a section of SEED_NOTES.md, the seed analysis). A key on a
line is numeric when its value contains a number (dates count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_NUMBER = re.compile(r"(?<![A-Za-z_0-9.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_RANGED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\{([^{}]*\bvalue\s*:[^{}]*\b(?:range|dist)\s*:[^{}]*)\}")
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\"[^\"]*\"|'[^']*'|[^,{}\[\]#]*)")
_TEXT_KEYS = {
    "id",
    "name",
    "description",
    "kind",
    "type",
    "lender",
    "borrower",
    "holder",
    "issuer",
    "provider",
    "customer",
    "guarantor",
    "covers",
    "market",
    "default",
    "seniority",
    "impact_model",
    "fundamental",
}
CALIBRATION = Path(__file__).resolve().parents[2] / "docs" / "calibration.md"


@dataclass(frozen=True)
class Problem:
    """One uncited or badly cited number: where, and what is wrong."""

    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.key}: {self.message}"


def calibration_rows(path: Path = CALIBRATION) -> dict[str, list[str]]:
    """Section heading -> quantities (first table column) of calibration.md, lower-cased."""
    rows: dict[str, list[str]] = {}
    section = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip().lower()
            rows[section] = []
        elif section and line.startswith("|") and not line.startswith("|---"):
            first = line.strip("|").split("|")[0].strip().lower()
            if first and first != "quantity":
                rows[section].append(first)
    return rows


def _valid_ref(ref: str, rows: dict[str, list[str]]) -> str | None:
    """None when ``ref`` is a valid source, else what is wrong with it."""
    ref = ref.strip()
    low = ref.lower()
    if low.startswith("assumed") or low.startswith("derived") or re.match(r"seed\s*§\s*\d", low):
        return None
    if low.startswith("cal "):
        body = ref[4:].strip()
        if "/" not in body:
            return f"'{ref}' should be 'CAL <section>/<quantity>'"
        sec, qty = (x.strip().lower() for x in body.split("/", 1))
        sections = [s for s in rows if s.startswith(sec)]
        if not sections:
            return f"no section starting '{sec}' in calibration.md"
        if not any(q.startswith(qty) for s in sections for q in rows[s]):
            return f"no row starting '{qty}' in section '{sections[0]}'"
        return None
    return f"'{ref}' is not a source (CAL <section>/<quantity>, assumed, derived (...), SEED §N)"


def _numeric_keys(code: str) -> list[str]:
    keys = []
    for m in _RANGED.finditer(code):  # a number with a range: the number and its range need sources
        keys += [m.group(1), "range"]
    code = _RANGED.sub(" ", code)
    for key, value in _PAIR.findall(code):
        if key in _TEXT_KEYS:
            continue
        if _NUMBER.search(value):
            keys.append(key)
    if not keys and _NUMBER.search(code) and not code.strip().startswith("-"):
        keys.append(code.split(":")[0].strip() or "value")
    return list(dict.fromkeys(keys))


def check_file(path: str | Path, calibration: Path = CALIBRATION) -> list[Problem]:
    """Every uncited or wrongly cited number of a scenario file (empty list: all cited)."""
    rows = calibration_rows(calibration)
    problems: list[Problem] = []
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        code, _, comment = _split_comment(raw)
        if not code.strip():
            continue
        keys = _numeric_keys(code)
        if not keys:
            continue
        if not comment.strip():
            problems.append(Problem(n, ", ".join(keys), "number without a source comment"))
            continue
        covered: set[str] = set()
        whole_line = False
        for part in _split_sources(comment):
            part = part.strip()
            if not part:
                continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*:\s*(.+)$", part)
            if m and m.group(1).lower() not in ("cal", "assumed", "derived", "seed"):
                named = [k.strip() for k in m.group(1).split(",")]
                ref = m.group(2)
            else:
                named, ref = [], part
            err = _valid_ref(ref, rows)
            if err:
                problems.append(Problem(n, ",".join(named) or "line", err))
                continue
            if named:
                covered.update(named)
            else:
                whole_line = True
        if not whole_line:
            for k in keys:
                if k not in covered:
                    problems.append(Problem(n, k, "no source given for this number"))
    return problems


def _split_sources(comment: str) -> list[str]:
    """Split a citation comment at the ``;`` that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in comment:
        depth += ch == "("
        depth -= ch == ")"
        if ch == ";" and depth <= 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _split_comment(line: str) -> tuple[str, str, str]:
    """Split a YAML line at its comment (a '#' outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if ch in "\"'" and quote is None:
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "#" and quote is None and (i == 0 or line[i - 1] in " \t"):
            return line[:i], "#", line[i + 1 :]
    return line, "", ""
