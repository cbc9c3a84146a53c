"""What a module does with the month state, read from its source: the groups it reads and writes.

``state.<group>...`` in an expression is a read of the group; an assignment, augmented assignment
or ``np.<ufunc>.at`` / ``np.copyto`` whose target starts with ``state.<group>`` is a write. The
groups are those of :mod:`aicontagion.core.state` (``GROUPS``) and the shared objects (``OBJECTS``).
Calls of methods that change an object (``state.books.transfer(...)``) count as writes of it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from aicontagion.core.state import GROUPS, OBJECTS

NAMES = set(GROUPS) | set(OBJECTS)
MUTATORS = {
    "books": {
        "transfer",
        "book",
        "pay_expense",
        "pay_expenses",
        "lend",
        "repay_principal",
        "remark_claims",
        "revalue_contracts",
    },
    "contracts": {"add_many", "set_active", "set_creditor", "split"},
    "markets": {"clear_sales", "relax", "update_fundamentals", "switch_off"},
    "events": {"record"},
    "credit": {"add_reputation_penalty"},
}


def _root(node, aliases: dict[str, str]) -> str | None:
    """``g`` for an expression ``state.g...`` or ``alias...`` (``alias = state.g``), else None."""
    while isinstance(node, ast.Subscript | ast.Attribute):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "state":
            return node.attr if node.attr in NAMES else None
        node = node.value
    return aliases.get(node.id) if isinstance(node, ast.Name) else None


def access(path: Path) -> tuple[set[str], set[str]]:
    """Groups read and written by the module at ``path``."""
    tree = ast.parse(path.read_text())
    reads, writes = set(), set()
    aliases = {  # c = state.contracts, b = state.books ...
        n.targets[0].id: n.value.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        and len(n.targets) == 1
        and isinstance(n.targets[0], ast.Name)
        and isinstance(n.value, ast.Attribute)
        and isinstance(n.value.value, ast.Name)
        and n.value.value.id == "state"
        and n.value.attr in NAMES - {"month"}  # an int: an alias of it is a copy
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "state":
            if node.attr in NAMES:
                reads.add(node.attr)
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if f.attr in ("at", "copyto") and node.args:  # np.add.at(state.x, ...), np.copyto(state.x, ...)
                targets = [node.args[0]]
            else:
                g = _root(f.value, aliases)
                if g is not None and f.attr in MUTATORS.get(g, ()):
                    writes.add(g)
        for t in targets:
            for el in t.elts if isinstance(t, ast.Tuple) else [t]:
                g = _root(el, aliases)
                if g is not None:
                    writes.add(g)
    return reads, writes
