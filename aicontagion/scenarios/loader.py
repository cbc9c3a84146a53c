"""Load and validate scenario files; apply overrides; report bad input in one clear line.

Every failure raises :class:`ScenarioError`, whose message is a single line naming the file, the
offending entry and field, and what is wrong, e.g.::

    ai_2025.yaml: contracts[4] (coreweave_ddtl2).lender: unknown institution 'blackstne'
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aicontagion.scenarios.schema import ScenarioSpec

SCENARIO_DIR = Path(__file__).resolve().parent


class ScenarioError(ValueError):
    """Bad scenario input; ``str(err)`` is one line: ``file: where: what``."""

    def __init__(self, file: str, where: str, message: str):
        self.file, self.where, self.message = file, where, message
        parts = [p for p in (file, where, message) if p]
        super().__init__(": ".join(parts))


def available() -> list[str]:
    """Names of the scenarios shipped with the package."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """The file behind a scenario name (``ai_2025``) or path."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists() or "/" in text:
        if not candidate.is_file():
            raise ScenarioError(text, "", "no such file")
        return candidate
    packaged = SCENARIO_DIR / f"{text}.yaml"
    if not packaged.is_file():
        raise ScenarioError(text, "", f"no such scenario (shipped: {', '.join(available())})")
    return packaged


def read_raw(path: Path) -> dict[str, Any]:
    """Parse a scenario file with ``yaml.safe_load`` into a mapping (no validation yet)."""
    label = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(label, "", f"cannot read file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(label, "", "not a UTF-8 text file (binary data?)") from None
    if "\x00" in text:
        raise ScenarioError(label, "", "not a text file (contains NUL bytes)")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(label, where, f"YAML syntax error: {problem}") from None
    if not isinstance(raw, dict):
        raise ScenarioError(label, "", f"top level must be a mapping of sections, not {type(raw).__name__}")
    return raw


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any], label: str) -> dict[str, Any]:
    """Return a copy of ``raw`` with dotted-key overrides applied.

    ``"productivity.noise_sigma": 0.05`` sets a nested value; a list of institutions or contracts
    is addressed by item id: ``"institutions.meta.cash": 50``. Unknown list ids are errors;
    unknown mapping keys are left for the schema to reject.
    """
    out = copy.deepcopy(raw)
    for key, value in overrides.items():
        parts = key.replace("__", ".").split(".")
        node: Any = out
        for depth, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                node = _by_id(node, part, ".".join(parts[: depth + 1]), label)
            else:
                if not isinstance(node.get(part, {}), dict | list):
                    raise ScenarioError(label, key, f"{part!r} is not a section")
                node = node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            raise ScenarioError(label, key, "cannot replace a whole list item; name a field of it")
        node[last] = value
    return out


def _by_id(items: list, ident: str, where: str, label: str) -> dict:
    for item in items:
        if isinstance(item, dict) and item.get("id") == ident:
            return item
    raise ScenarioError(label, where, f"no item with id {ident!r}")


def validate(raw: dict[str, Any], label: str) -> ScenarioSpec:
    """Validate a raw mapping against the schema, turning the first error into one line."""
    try:
        return ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _location(err.get("loc", ()), raw)
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") in ("extra_forbidden",):
            msg = "unknown key"
        elif "input" in err and err.get("type") not in ("missing",) and not isinstance(err["input"], dict):
            shown = repr(err["input"])
            if len(shown) < 60:
                msg = f"{msg} (got {shown})"
        raise ScenarioError(label, where, msg) from None


_TAGS = {
    "loan",
    "bond",
    "credit_line",
    "interbank",
    "repo",
    "vendor_financing",
    "equity",
    "lp_commitment",
    "lease",
    "offtake",
    "backstop",
    "guarantee",
}


def _location(loc: tuple, raw: Any) -> str:
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "id" in node:
                out += f" ({node['id']})"
        elif isinstance(node, list | type(None)) or (
            part in _TAGS and isinstance(node, dict) and node.get("type") == part
        ):
            continue
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def load_scenario(name_or_path: str | Path = "ai_2025", **overrides: Any) -> ScenarioSpec:
    """Load, override and validate a scenario; raise :class:`ScenarioError` on bad input.

    Args:
        name_or_path: a shipped scenario name (see :func:`available`) or a YAML file path.
        **overrides: dotted (or ``__``-separated) keys and values, e.g.
            ``productivity__noise_sigma=0.05``.
    """
    path = resolve(name_or_path)
    raw = read_raw(path)
    if overrides:
        raw = apply_overrides(raw, overrides, path.name)
    spec = validate(raw, path.name)
    spec.set_source(path.name)
    return spec
