"""meetings: a room per day, the .ics SEQUENCE per invitation

Revision ID: meetings_c1a7e3f0
Revises: e6564db705a7
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'meetings_c1a7e3f0'
down_revision = 'e6564db705a7'
branch_labels = None
depends_on = None


def upgrade():
    # Server defaults: existing days have no room yet, existing invitations start at 0.
    with op.batch_alter_table('meeting_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=100), server_default='', nullable=False))

    with op.batch_alter_table('meeting_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ics_sequence', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('meeting_invitations', schema=None) as batch_op:
        batch_op.drop_column('ics_sequence')

    with op.batch_alter_table('meeting_days', schema=None) as batch_op:
        batch_op.drop_column('room')
