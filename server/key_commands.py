"""``citrine api-key``: create, list and revoke REST API keys from the command line.

This is the bootstrap: whoever runs it holds the database (its URL and credentials), so it
acts as a platform admin. ``create`` prints the key once; only its hash is stored.

citrine api-key create --name N --scopes read,operate [--tenant T | --platform] [--expires-days D]
citrine api-key list [--tenant T]
citrine api-key revoke ID
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from citrine_base.config import SystemConfig
from citrine_data import DataError, create_sessionmaker, engine_from_config, migrate, unit_of_work
from citrine_data.base import utc_now
from citrine_data.repositories import TenantRepository
from citrine_modules.operators import keys
from citrine_modules.rest import ApiError, Principal, Scope

CLI_OPERATOR = Principal(name="cli", tenant_id=None, scopes=frozenset({Scope.ADMIN}))


def add_api_key_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("api-key", help="create, list and revoke REST API keys")
    actions = parser.add_subparsers(dest="key_command", required=True)
    create = actions.add_parser("create", help="create a key and print it (only this once)")
    create.add_argument("--name", required=True, help="a name for humans, unique per tenant")
    create.add_argument(
        "--scopes", required=True, help="comma-separated: read, operate, admin (e.g. read,operate)"
    )
    owner = create.add_mutually_exclusive_group()
    owner.add_argument("--tenant", help="the key's tenant (default: the server's tenant_id)")
    owner.add_argument(
        "--platform", action="store_true", help="a platform operator's key, for every tenant"
    )
    create.add_argument("--expires-days", type=float, help="expire after this many days")
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--tenant", help="only this tenant's keys")
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("id", type=int)
    for command in (create, listing, revoke):
        command.add_argument("--config", help="settings file (TOML or JSON)")


def parse_scopes(text: str) -> list[Scope]:
    try:
        return [Scope(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise SystemExit(f"unknown scope in {text!r}: use read, operate, admin") from exc


async def _run(config: SystemConfig, args: argparse.Namespace) -> list[str]:
    engine = engine_from_config(config.database)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as uow:
            if args.key_command == "create":
                # The server's own tenant exists once it has run; the CLI may run first.
                await TenantRepository.from_session(uow.session).ensure(
                    config.tenant_id, config.tenant_id.capitalize()
                )
                days = args.expires_days
                issued = await keys.create(
                    uow.session,
                    CLI_OPERATOR,
                    tenant_id=None if args.platform else (args.tenant or config.tenant_id),
                    name=args.name,
                    scopes=parse_scopes(args.scopes),
                    expires_at=None if days is None else utc_now() + timedelta(days=days),
                )
                row = issued.row
                owner = row.tenant_id or "platform"
                return [
                    f"created key {row.id} {row.key_prefix} for {owner}: {','.join(row.scopes)}",
                    issued.secret,
                ]
            if args.key_command == "list":
                caller = Principal("cli", args.tenant, CLI_OPERATOR.scopes)
                return [
                    f"{row.id}\t{row.key_prefix}\t{row.tenant_id or 'platform'}\t{row.name}\t"
                    f"{','.join(row.scopes)}\t{'revoked' if row.revoked_at else 'active'}\t"
                    f"last used {row.last_used_at or 'never'}"
                    for row in await keys.list(uow.session, caller)
                ]
            row = await keys.revoke(uow.session, CLI_OPERATOR, args.id)
            return [f"revoked key {row.id} {row.key_prefix} ({row.name})"]
    finally:
        await engine.dispose()


def run_api_key_command(config: SystemConfig, args: argparse.Namespace) -> None:
    if config.database.should_migrate_on_start():
        migrate.upgrade(config.database.url)  # the embedded SQLite may not exist yet
    try:
        lines = asyncio.run(_run(config, args))
    except (ApiError, DataError) as exc:
        raise SystemExit(f"error: {exc}") from exc
    for line in lines:
        print(line)  # noqa: T201 (command output)
