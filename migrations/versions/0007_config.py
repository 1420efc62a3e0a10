"""Provisioning and device model: boot statusInfo reason, attribute answers, report parts,
accepted network profiles.

Revision ID: 0007_config
Revises: 0006_monitoring
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_config"
down_revision: str | None = "0006_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("boot_configs") as batch:
        batch.add_column(sa.Column("status_reason", sa.String(length=20), nullable=True))
    with op.batch_alter_table("variable_attributes") as batch:
        batch.add_column(sa.Column("last_status", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("last_status_info", sa.String(length=600), nullable=True))
        batch.add_column(sa.Column("last_status_action", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("last_status_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("items_received", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("final_seq_no", sa.Integer(), nullable=True))
    op.create_table(
        "report_parts",
        sa.Column("report_pk", sa.Integer(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_pk"],
            ["reports.id"],
            name=op.f("fk_report_parts_report_pk_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_pk", "seq_no", name=op.f("pk_report_parts")),
    )
    op.create_table(
        "network_profiles",
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("configuration_slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ocpp_csms_url", sa.String(length=512), nullable=False),
        sa.Column("security_profile", sa.Integer(), nullable=False),
        sa.Column("ocpp_version", sa.String(length=10), nullable=False),
        sa.Column("ocpp_transport", sa.String(length=10), nullable=False),
        sa.Column("ocpp_interface", sa.String(length=20), nullable=False),
        sa.Column("message_timeout", sa.Integer(), nullable=False),
        sa.Column("connection_data", sa.JSON(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_network_profiles_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "station_pk", "configuration_slot", name=op.f("pk_network_profiles")
        ),
    )


def downgrade() -> None:
    op.drop_table("network_profiles")
    op.drop_table("report_parts")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("final_seq_no")
        batch.drop_column("items_received")
    with op.batch_alter_table("variable_attributes") as batch:
        batch.drop_column("last_status_at")
        batch.drop_column("last_status_action")
        batch.drop_column("last_status_info")
        batch.drop_column("last_status")
    with op.batch_alter_table("boot_configs") as batch:
        batch.drop_column("status_reason")
