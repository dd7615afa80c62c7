"""Dependencies run one way: interfaces -> application -> domain; the event store knows no cart.

Every import in every module of a room is checked against what that room may import (the
design's table of rooms), so a new import that bends the direction fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
INTERFACES = ("carts.web", "carts.api", "carts.backoffice", "carts.tasks", "carts.admin")
# room -> prefixes of this project's modules it must never import
FORBIDDEN = {
    "carts/domain": ("django", "carts.application", *INTERFACES, "carts.models", "eventstore",
                     "projections", "config", "observability"),
    "carts/application": (*INTERFACES, "projections", "config"),
    "eventstore": ("carts", "projections", "config", "observability"),
    "projections": ("carts.application", *INTERFACES, "carts.models", "config"),
    # Instruments every room may use: they know none of the rooms (config wires them up).
    "observability": ("carts", "eventstore", "projections", "config"),
}  # fmt: skip


def imports_of(path: Path) -> list[str]:
    """Every module a file imports, at any depth of its code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


@pytest.mark.parametrize("room", FORBIDDEN)
def test_a_room_imports_nothing_above_or_beside_it(room: str) -> None:
    files = [p for p in (ROOT / room).rglob("*.py") if "migrations" not in p.parts]
    assert files, f"no modules under {room}"
    bent = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in imports_of(path)
        if any(module == p or module.startswith(p + ".") for p in FORBIDDEN[room])
    ]
    assert bent == []
