"""What the portal's database says, read directly (psycopg) to check that nothing was lost:
the delivery ledger (every mail the portal sends is a row of it) and the stored files.
The people of the test never go this way; only the checks do.
"""
from collections import Counter

import psycopg


def query(database_url, sql, *params):
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


def ledger(database_url):
    """[(id, address, kind, state, attempts)] of every mail the portal meant to send."""
    return query(database_url, "SELECT d.id, lower(coalesce(d.address, u.email)), d.kind, d.state, d.attempts "
                               "FROM notification_deliveries d JOIN users u ON u.id = d.recipient_id ORDER BY d.id")


def ledger_states(database_url):
    return dict(Counter(row[3] for row in ledger(database_url)))


def image_keys(database_url):
    """The object keys the stored_images rows refer to (photo and thumbnail; app/storage.py's
    key scheme `images/<stem>.<ext>`, `images/<stem>_thumb.<ext>`)."""
    rows = query(database_url, "SELECT stem, extension FROM stored_images")
    return {key for stem, extension in rows for key in (f"images/{stem}.{extension}", f"images/{stem}_thumb.{extension}")}


def user_id(database_url, email):
    rows = query(database_url, "SELECT id FROM users WHERE lower(email) = lower(%s)", email)
    return rows[0][0] if rows else None
