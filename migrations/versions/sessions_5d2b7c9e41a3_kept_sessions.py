"""login sessions: "Ingelogd blijven" (a kept session: SESSION_KEEP_DAYS, no idle limit)

Sessions of before the upgrade are not kept: they end as they would have.

Revision ID: 5d2b7c9e41a3
Revises: 8132ca183713
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2b7c9e41a3'
down_revision = '8132ca183713'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kept', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('kept')
