"""Monitoring, events, security events, customer information, display messages, webhooks.

Revision ID: 0006_monitoring
Revises: 0005_transactions
Create Date: 2026-12-01 19:20:55.802270+00:00

New tables: monitoring_reports (GetMonitoringReport requests and their NotifyMonitoringReport
parts), customer_information_requests and customer_information_parts (CustomerInformation and
NotifyCustomerInformation), display_message_reports (GetDisplayMessages and
NotifyDisplayMessages). New columns: where a monitor was learned and the last report that
listed it; the critical flag of security events; the display component and status reason of
display messages (status widened: "NotSupportedMessageFormat" has 25 characters); a
description for webhook subscriptions. Column changes go through batch_alter_table, which
recreates the table on SQLite and is a plain ALTER on PostgreSQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_monitoring"
down_revision: str | None = "0005_transactions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_information_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("report", sa.Boolean(), nullable=True),
        sa.Column("clear", sa.Boolean(), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=True),
        sa.Column("id_token_type", sa.String(length=20), nullable=True),
        sa.Column("customer_identifier", sa.String(length=64), nullable=True),
        sa.Column("customer_certificate", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_customer_information_requests_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_information_requests")),
        sa.UniqueConstraint(
            "station_pk",
            "request_id",
            name=op.f("uq_customer_information_requests_station_pk_request_id"),
        ),
    )
    op.create_table(
        "display_message_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("ids", sa.JSON(), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("parts_received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_display_message_reports_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_display_message_reports")),
        sa.UniqueConstraint(
            "station_pk",
            "request_id",
            name=op.f("uq_display_message_reports_station_pk_request_id"),
        ),
    )
    op.create_table(
        "monitoring_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=True),
        sa.Column("component_variables", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("parts_received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_seq_no", sa.Integer(), nullable=True),
        sa.Column("monitors_reported", sa.Integer(), server_default="0", nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_monitoring_reports_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_reports")),
        sa.UniqueConstraint(
            "station_pk", "request_id", name=op.f("uq_monitoring_reports_station_pk_request_id")
        ),
    )
    op.create_table(
        "customer_information_parts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_pk", sa.Integer(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("data", sa.String(length=512), nullable=False),
        sa.Column("tbc", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_pk"],
            ["customer_information_requests.id"],
            name="fk_customer_information_parts_request_pk",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_information_parts")),
        sa.UniqueConstraint(
            "request_pk", "seq_no", name=op.f("uq_customer_information_parts_request_pk_seq_no")
        ),
    )
    with op.batch_alter_table("display_messages") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("display_instance", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("display_evse_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("display_connector_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("status_reason", sa.String(length=20), nullable=True))
        batch.alter_column(
            "status",
            existing_type=sa.String(length=20),
            type_=sa.String(length=30),
            existing_nullable=True,
        )
    with op.batch_alter_table("security_events") as batch:
        batch.add_column(
            sa.Column("critical", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    with op.batch_alter_table("variable_monitors") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=10), server_default="set", nullable=False)
        )
        batch.add_column(sa.Column("reported_in", sa.Integer(), nullable=True))
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("description", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.drop_column("description")
    with op.batch_alter_table("variable_monitors") as batch:
        batch.drop_column("reported_in")
        batch.drop_column("source")
    with op.batch_alter_table("security_events") as batch:
        batch.drop_column("critical")
    with op.batch_alter_table("display_messages") as batch:
        batch.alter_column(
            "status",
            existing_type=sa.String(length=30),
            type_=sa.String(length=20),
            existing_nullable=True,
        )
        batch.drop_column("status_reason")
        batch.drop_column("display_connector_id")
        batch.drop_column("display_evse_id")
        batch.drop_column("display_instance")
        batch.drop_column("display_name")
    op.drop_table("customer_information_parts")
    op.drop_table("monitoring_reports")
    op.drop_table("display_message_reports")
    op.drop_table("customer_information_requests")
