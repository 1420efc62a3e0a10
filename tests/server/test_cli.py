"""The command line: ``citrine migrate`` up and down against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from citrine_data import migrate

CITRINE = Path(sys.executable).with_name("citrine")


def run_citrine(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITRINE_DATABASE__URL": url}
    return subprocess.run(
        [str(CITRINE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_migrate_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgraded = run_citrine("migrate", url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"database at revision {migrate.head()}" in upgraded.stdout
    assert migrate.current(url) == migrate.head()
    downgraded = run_citrine("migrate", "--downgrade", "base", url=url)
    assert downgraded.returncode == 0, downgraded.stderr
    assert migrate.current(url) is None


def test_unknown_revision_fails_with_a_message(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = run_citrine("migrate", "--to", "no-such-revision", url=url)
    assert result.returncode != 0
    assert "no-such-revision" in result.stderr
