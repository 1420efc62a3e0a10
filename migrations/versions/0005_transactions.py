"""Transactions module: who ended a transaction, each event's answer, token lookups.

Revision ID: 0005_transactions
Revises: 0004_evdriver
Create Date: 2026-11-26 10:00:00.000000+00:00

* ``transactions.ended_by``: "station" (its Ended event arrived) or "csms" (the CSMS inferred
  the end, so a lost Ended does not keep the transaction, and its token, active for ever);
* ``transactions.charging_state_seq_no``: the seqNo that reported the charging state, so an
  older event delivered late does not overwrite a newer state;
* ``transaction_events.response``: the TransactionEventResponse given, so that a retried
  event gets the same answer without being applied twice;
* ``ix_transactions_id_token``: the REST listing filters transactions by token.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_transactions"
down_revision: str | None = "0004_evdriver"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("transactions", sa.Column("ended_by", sa.String(length=10), nullable=True))
    op.add_column("transactions", sa.Column("charging_state_seq_no", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_transactions_id_token"), "transactions", ["id_token"], unique=False)
    op.add_column("transaction_events", sa.Column("response", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transaction_events") as batch:
        batch.drop_column("response")
    op.drop_index(op.f("ix_transactions_id_token"), table_name="transactions")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("charging_state_seq_no")
        batch.drop_column("ended_by")
