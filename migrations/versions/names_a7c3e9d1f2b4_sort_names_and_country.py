"""names: stored sort key of people (users/children.sort_name), country of a pupil's address

Revision ID: a7c3e9d1f2b4
Revises: b2d9ed4540da
Create Date: 2026-12-01 20:30:00

The sort key is app.names.sort_key() of the name, filled here for every existing row; the
application keeps it up to date on every write (app/models/people.py). Should the key's rule
change later, `flask --app wsgi sort-names` computes it again for every row.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.names import SORT_KEY_LENGTH, sort_key

# revision identifiers, used by Alembic.
revision = 'a7c3e9d1f2b4'
down_revision = 'b2d9ed4540da'
branch_labels = None
depends_on = None

SORT_KEY = sa.String(SORT_KEY_LENGTH).with_variant(postgresql.VARCHAR(SORT_KEY_LENGTH, collation="C"), "postgresql")


def _fill(table_name, *columns):
    bind = op.get_bind()
    table = sa.table(table_name, sa.column("id"), sa.column("sort_name"), *(sa.column(c) for c in columns))
    rows = bind.execute(sa.select(table.c.id, *(table.c[c] for c in columns))).all()
    values = [{"row_id": row[0], "key": sort_key(*(value or "" for value in row[1:]))} for row in rows]
    if values:
        bind.execute(table.update().where(table.c.id == sa.bindparam("row_id")).values(sort_name=sa.bindparam("key")),
                     values)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_name', SORT_KEY, server_default='', nullable=False))
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_name', SORT_KEY, server_default='', nullable=False))
        batch_op.add_column(sa.Column('country', sa.String(length=60), server_default='', nullable=False))
    _fill('users', 'first_name', 'last_name', 'login_name')
    _fill('children', 'first_name', 'last_name')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_sort_name'), ['sort_name'], unique=False)
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_children_sort_name'), ['sort_name'], unique=False)


def downgrade():
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_sort_name'))
        batch_op.drop_column('country')
        batch_op.drop_column('sort_name')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_sort_name'))
        batch_op.drop_column('sort_name')
