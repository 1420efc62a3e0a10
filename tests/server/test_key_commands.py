"""``citrine api-key``: the bootstrap of REST credentials from the command line."""

from __future__ import annotations

from pathlib import Path

import httpx

from citrine_util.api_keys import looks_like_key
from tests.live import live_server
from tests.server.api_keys import bearer
from tests.server.test_cli import run_citrine


def test_create_list_revoke(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    created = run_citrine("api-key", "create", "--name", "ops", "--scopes", "read,operate", url=url)
    assert created.returncode == 0, created.stderr
    summary, key = created.stdout.strip().splitlines()[-2:]
    assert "for default: read,operate" in summary
    assert looks_like_key(key)
    platform = run_citrine(
        "api-key", "create", "--name", "root", "--scopes", "admin", "--platform", url=url
    )
    assert "for platform: admin" in platform.stdout
    duplicate = run_citrine("api-key", "create", "--name", "ops", "--scopes", "read", url=url)
    assert duplicate.returncode != 0
    bad_scope = run_citrine("api-key", "create", "--name", "x", "--scopes", "root", url=url)
    assert bad_scope.returncode != 0
    assert "unknown scope" in bad_scope.stderr
    listed = run_citrine("api-key", "list", url=url)
    assert key not in listed.stdout
    assert {line.split("\t")[3] for line in listed.stdout.strip().splitlines()} == {"ops", "root"}
    key_id = summary.split()[2]
    assert run_citrine("api-key", "revoke", key_id, url=url).returncode == 0
    assert "revoked" in run_citrine("api-key", "list", "--tenant", "default", url=url).stdout


async def test_a_created_key_opens_the_api(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    created = run_citrine("api-key", "create", "--name", "ops", "--scopes", "read", url=url)
    key = created.stdout.strip().splitlines()[-1]
    async with live_server(database={"url": url}) as server:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            assert (await http.get("/stations")).status_code == 401  # a key exists: closed
            assert (await http.get("/stations", headers=bearer(key))).status_code == 200
