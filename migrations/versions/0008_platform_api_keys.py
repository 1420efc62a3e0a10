"""Platform operator API keys: ``api_keys.tenant_id`` may be NULL (a key for every tenant),
and platform keys' names are unique among themselves.

Revision ID: 0008_platform_api_keys
Revises: 0007_config
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_platform_api_keys"
down_revision: str | None = "0007_config"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLATFORM = sa.text("tenant_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("tenant_id", existing_type=sa.String(length=64), nullable=True)
    op.create_index(
        "uq_api_keys_platform_name",
        "api_keys",
        ["name"],
        unique=True,
        sqlite_where=PLATFORM,
        postgresql_where=PLATFORM,
    )


def downgrade() -> None:
    op.drop_index("uq_api_keys_platform_name", table_name="api_keys")
    op.execute("DELETE FROM api_keys WHERE tenant_id IS NULL")
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("tenant_id", existing_type=sa.String(length=64), nullable=False)
