"""Architecture: imports run one way (maas -> feeds, routing; feeds -> routing).

``routing`` imports neither ``feeds`` nor ``maas``, nor pandas, FastAPI, Redis or gtfs-kit;
networkx only in modules listed as build-time helpers.  Checked statically on every module's
import statements (including function-level imports), so no code path can sneak one in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

FORBIDDEN: dict[str, set[str]] = {
    "routing": {"feeds", "maas", "pandas", "fastapi", "starlette", "redis", "gtfs_kit", "osmium",
                "geopandas", "httpx", "uvicorn"},
    "feeds": {"maas", "fastapi", "starlette", "uvicorn"},
    "maas": set(),
}
#: networkx is a build-time and test tool; it may not appear in query code of ``routing``.
NETWORKX_FREE = {"routing"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_run_one_way(package: str) -> None:
    bad = []
    for path in _modules(package):
        for line, top in _imports(path):
            if top in FORBIDDEN[package] or (package in NETWORKX_FREE and top == "networkx"):
                bad.append(f"{path.relative_to(REPO)}:{line} imports {top}")
    assert not bad, "forbidden imports:\n" + "\n".join(bad)


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself finds a forbidden import (so the test above can fail)."""
    p = tmp_path / "m.py"
    p.write_text("def f():\n    import pandas\n    from maas.cli import app\n")
    assert [t for _, t in _imports(p)] == ["pandas", "maas"]


def test_packages_exist() -> None:
    for package in FORBIDDEN:
        assert (REPO / package / "__init__.py").exists()
