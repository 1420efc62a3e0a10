"""Certificates, log uploads and firmware hosting: signing and certificate-operation records,
the signed certificate's station, hosted log uploads, firmware files and publications.

Revision ID: 0002_certificates
Revises: 0001
Create Date: 2026-12-01 19:19:54.982907+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_certificates"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "firmware_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("signature", sa.String(length=800), nullable=True),
        sa.Column("signing_certificate", sa.Text(), nullable=True),
        sa.Column("download_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_firmware_files_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware_files")),
        sa.UniqueConstraint("download_token", name=op.f("uq_firmware_files_download_token")),
    )
    with op.batch_alter_table("firmware_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_firmware_files_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "certificate_operations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("certificate_type", sa.String(length=40), nullable=True),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("hash_data", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_info", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_certificate_operations_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_operations")),
    )
    with op.batch_alter_table("certificate_operations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_operations_station_pk_created_at"),
            ["station_pk", "created_at"],
            unique=False,
        )

    op.create_table(
        "firmware_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=512), nullable=False),
        sa.Column("checksum", sa.String(length=32), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=True),
        sa.Column("retry_interval", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_history", sa.JSON(), nullable=False),
        sa.Column("published_locations", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_firmware_publications_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware_publications")),
        sa.UniqueConstraint(
            "station_pk", "request_id", name=op.f("uq_firmware_publications_station_pk_request_id")
        ),
    )
    with op.batch_alter_table("firmware_publications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_firmware_publications_checksum"), ["checksum"], unique=False
        )

    op.create_table(
        "certificate_signings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_pk", sa.Integer(), nullable=False),
        sa.Column("certificate_type", sa.String(length=40), nullable=True),
        sa.Column("csr", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("certificate_pk", sa.Integer(), nullable=True),
        sa.Column("delivery_status", sa.String(length=40), nullable=True),
        sa.Column("delivery_info", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_pk"],
            ["certificates.id"],
            name=op.f("fk_certificate_signings_certificate_pk_certificates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["station_pk"],
            ["charging_stations.id"],
            name=op.f("fk_certificate_signings_station_pk_charging_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_signings")),
    )
    with op.batch_alter_table("certificate_signings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_signings_station_pk_created_at"),
            ["station_pk", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_signings_certificate_pk"), ["certificate_pk"], unique=False
        )

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station_pk", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_certificates_station_pk"), ["station_pk"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_station_pk_charging_stations"),
            "charging_stations",
            ["station_pk"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("log_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("upload_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("file_key", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("file_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("file_content_type", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_log_requests_upload_token_hash"), ["upload_token_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("log_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_log_requests_upload_token_hash"), type_="unique")
        batch_op.drop_column("uploaded_at")
        batch_op.drop_column("file_content_type")
        batch_op.drop_column("file_sha256")
        batch_op.drop_column("file_size")
        batch_op.drop_column("file_name")
        batch_op.drop_column("file_key")
        batch_op.drop_column("upload_expires_at")
        batch_op.drop_column("upload_token_hash")

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_station_pk_charging_stations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_certificates_station_pk"))
        batch_op.drop_column("station_pk")

    with op.batch_alter_table("certificate_signings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_signings_station_pk_created_at"))
        batch_op.drop_index(batch_op.f("ix_certificate_signings_certificate_pk"))

    op.drop_table("certificate_signings")
    with op.batch_alter_table("firmware_publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_firmware_publications_checksum"))

    op.drop_table("firmware_publications")
    with op.batch_alter_table("certificate_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_operations_station_pk_created_at"))

    op.drop_table("certificate_operations")
    with op.batch_alter_table("firmware_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_firmware_files_tenant_id"))

    op.drop_table("firmware_files")
