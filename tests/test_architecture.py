"""Architecture rules checked on the source: dependency direction between our packages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["citrine_base", "citrine_data", "citrine_util", "citrine_modules", "server"]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def violations(package: str) -> list[str]:
    allowed = set(ORDER[: ORDER.index(package) + 1])
    forbidden = set(ORDER) - allowed
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in sorted(imported_packages(path) & forbidden):
            found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", ORDER)
def test_packages_import_only_to_their_left(package: str) -> None:
    assert violations(package) == []


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from server.app import create_app\nimport citrine_modules.x\n")
    assert imported_packages(bad) == {"server", "citrine_modules"}


def test_no_sqlalchemy_outside_the_data_layer() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}"
        for package in ORDER
        if package != "citrine_data"
        for path in sorted((ROOT / package).rglob("*.py"))
        if "sqlalchemy" in imported_packages(path)
    ]
    assert offenders == []
