"""EVDriver: token matching and restrictions, local list bookkeeping, remote starts.

Revision ID: 0004_evdriver
Revises: 0003_smartcharging
Create Date: 2026-12-02 09:00:00+00:00

* ``id_tokens``: ``lookup_key`` (the upper-cased token: OCPP idTokens are case insensitive)
  replaces ``id_token`` in the tenant's unique key; where a token may be used (stations,
  locations, connector types); whether it may hold concurrent transactions; whether it goes
  to local lists.
* ``local_list_versions``: the version a station last reported, and whether our copy of its
  list may serve for a differential update.
* ``local_list_entries``: keyed by the token's value and holding the AuthorizationData as
  sent, so that a deleted token can still be removed from the station. The old rows cannot
  be carried over (they only held our token's row id); every station is marked for a full
  update instead.
* ``reservations.status_reason``; ``remote_starts``: RequestStartTransaction requests.

Written by hand; every name is the one the naming convention gives. Batch mode makes the
ALTERs work on SQLite (the table is recreated) and is plain ALTER TABLE on PostgreSQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_evdriver"
down_revision: str | None = "0003_smartcharging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_id_tokens()
    with op.batch_alter_table("local_list_versions") as batch:
        batch.add_column(
            sa.Column("needs_full", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch.add_column(sa.Column("reported_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE local_list_versions SET needs_full = true")
    op.drop_index(op.f("ix_local_list_entries_id_token_pk"), table_name="local_list_entries")
    op.drop_table("local_list_entries")
    _create_local_list_entries()
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("status_reason", sa.String(length=255), nullable=True))
    _create_remote_starts()


def _upgrade_id_tokens() -> None:
    with op.batch_alter_table("id_tokens") as batch:
        batch.add_column(sa.Column("lookup_key", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("allowed_station_ids", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("allowed_location_ids", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("allowed_connector_types", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "allow_concurrent_tx", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
        batch.add_column(
            sa.Column(
                "in_local_list", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
    op.execute("UPDATE id_tokens SET lookup_key = upper(id_token)")
    with op.batch_alter_table("id_tokens") as batch:
        batch.alter_column("lookup_key", existing_type=sa.String(length=255), nullable=False)
        batch.drop_constraint(op.f("uq_id_tokens_tenant_id_id_token_type"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_id_tokens_tenant_id_lookup_key_type"), ["tenant_id", "lookup_key", "type"]
        )
        batch.create_index(
            op.f("ix_id_tokens_tenant_id_in_local_list"),
            ["tenant_id", "in_local_list"],
            unique=False,
        )


def _create_local_list_entries() -> None:
    op.create_table(
        "local_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("id_token", sa.String(length=255), nullable=False),
        sa.Column("id_token_type", sa.String(length=20), nullable=False),
        sa.Column("lookup_key", sa.String(length=255), nullable=False),
        sa.Column("authorization_data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_local_list_entries_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_list_entries")),
        sa.UniqueConstraint(
            "station_pk",
            "lookup_key",
            "id_token_type",
            name=op.f("uq_local_list_entries_station_pk_lookup_key_id_token_type"),
        ),
    )


def _create_remote_starts() -> None:
    op.create_table(
        "remote_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("remote_start_id", sa.Integer(), nullable=False),
        sa.Column("id_token", sa.String(length=255), nullable=False),
        sa.Column("id_token_type", sa.String(length=20), nullable=False),
        sa.Column("group_id_token", sa.String(length=255), nullable=True),
        sa.Column("group_id_token_type", sa.String(length=20), nullable=True),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=255), nullable=True),
        sa.Column("transaction_id", sa.String(length=36), nullable=True),
        sa.Column("transaction_pk", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_remote_starts_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_pk"],
            ["transactions.id"],
            name=op.f("fk_remote_starts_transaction_pk_transactions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_starts")),
        sa.UniqueConstraint(
            "station_pk",
            "remote_start_id",
            name=op.f("uq_remote_starts_station_pk_remote_start_id"),
        ),
    )
    op.create_index(
        op.f("ix_remote_starts_transaction_pk"), "remote_starts", ["transaction_pk"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_remote_starts_transaction_pk"), table_name="remote_starts")
    op.drop_table("remote_starts")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("status_reason")
    op.drop_table("local_list_entries")
    _create_old_local_list_entries()
    with op.batch_alter_table("local_list_versions") as batch:
        batch.drop_column("synced_at")
        batch.drop_column("reported_at")
        batch.drop_column("reported_version")
        batch.drop_column("needs_full")
    with op.batch_alter_table("id_tokens") as batch:
        batch.drop_index(op.f("ix_id_tokens_tenant_id_in_local_list"))
        batch.drop_constraint(op.f("uq_id_tokens_tenant_id_lookup_key_type"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_id_tokens_tenant_id_id_token_type"), ["tenant_id", "id_token", "type"]
        )
        batch.drop_column("in_local_list")
        batch.drop_column("allow_concurrent_tx")
        batch.drop_column("allowed_connector_types")
        batch.drop_column("allowed_location_ids")
        batch.drop_column("allowed_station_ids")
        batch.drop_column("lookup_key")


def _create_old_local_list_entries() -> None:
    op.create_table(
        "local_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("id_token_pk", sa.Integer(), nullable=False),
        sa.Column("id_token_info", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["id_token_pk"],
            ["id_tokens.id"],
            name=op.f("fk_local_list_entries_id_token_pk_id_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_local_list_entries_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_list_entries")),
        sa.UniqueConstraint(
            "station_pk", "id_token_pk", name=op.f("uq_local_list_entries_station_pk_id_token_pk")
        ),
    )
    op.create_index(
        op.f("ix_local_list_entries_id_token_pk"),
        "local_list_entries",
        ["id_token_pk"],
        unique=False,
    )
