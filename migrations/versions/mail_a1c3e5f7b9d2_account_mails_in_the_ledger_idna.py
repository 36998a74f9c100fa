"""account mails in the delivery ledger (address column); e-mail domains as IDNA A-labels

Revision ID: a1c3e5f7b9d2
Revises: b06350e687a9
Create Date: 2026-12-01 20:30:00

The data step: addresses stored before the address rule (app/email_address.py) may hold a
Unicode domain (`ouder@exämple.org`). Login lookups now convert what is typed to the
A-label (`ouder@xn--exmple-cua.org`), so stored login names, contact addresses and open
e-mail-change targets are converted once. A login name whose A-label form is already
another account's is left as it is (two accounts; the office decides).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f7b9d2'
down_revision = 'b06350e687a9'
branch_labels = None
depends_on = None


def _a_label(address):
    """The address with its domain as IDNA A-label, or None when nothing changes / it
    cannot be converted (left for the office)."""
    import idna

    if not address or address.isascii() or "@" not in address:
        return None
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return None
    try:
        converted = f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return None
    return converted if len(converted) <= 254 else None


def upgrade():
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=320), nullable=True))
        # "account:login_changed_by_school" and longer kinds to come.
        batch_op.alter_column('kind', existing_type=sa.String(length=30), type_=sa.String(length=60),
                              existing_nullable=False)

    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('login_name', sa.String),
                     sa.column('email', sa.String))
    tokens = sa.table('account_tokens', sa.column('id', sa.Integer), sa.column('new_email', sa.String))
    taken = {row.login_name for row in connection.execute(sa.select(users.c.login_name))}
    for row in connection.execute(sa.select(users.c.id, users.c.login_name, users.c.email)).all():
        values = {}
        login = _a_label(row.login_name)
        if login and login.lower() not in taken:
            values['login_name'] = login.lower()
            taken.add(login.lower())
        email = _a_label(row.email)
        if email:
            values['email'] = email
        if values:
            connection.execute(users.update().where(users.c.id == row.id).values(**values))
    for row in connection.execute(sa.select(tokens.c.id, tokens.c.new_email)).all():
        new_email = _a_label(row.new_email)
        if new_email:
            connection.execute(tokens.update().where(tokens.c.id == row.id).values(new_email=new_email.lower()))


def downgrade():
    # The A-label form is the same address; converting back is not needed to run the old code.
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=60), type_=sa.String(length=30),
                              existing_nullable=False)
        batch_op.drop_column('address')
