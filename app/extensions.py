"""The extension objects, created unbound and initialised in create_app()."""
from flask import request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    """SQLite enforces foreign keys (and ON DELETE CASCADE) only when asked to."""
    if dbapi_connection.__class__.__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # The web process, the worker and tests share one file: wait for a lock, don't fail.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# Compresses text responses (HTML, CSS, JS, JSON) when the browser accepts it.
compress = Compress()


def client_ip():
    return get_remote_address() or "unknown"


limiter = Limiter(key_func=client_ip, default_limits=[])


def submitted_login_name():
    """Rate-limit key for login and reset: the address typed in, case-folded."""
    value = (request.form.get("username") or request.form.get("email") or "").strip().lower()
    return f"address:{value}"


# --- ending a request's transaction -----------------------------------------------------
# A request that only read ends its transaction with COMMIT, not ROLLBACK: psycopg forgets
# every prepared statement of the connection at a rollback (and deallocates them), so
# PostgreSQL would parse and plan each query of every page afresh (measured: Home's
# queries cost 19 ms of PostgreSQL CPU that way, 5 ms with the plans kept; bench/journey.py).
# A session that wrote and did not commit is still rolled back.

@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    session.info["uncommitted_write"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["uncommitted_write"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session):
    session.info.pop("uncommitted_write", None)


def end_read_only_transaction(session):
    """COMMIT the session's transaction when it only read (see above); True when it did."""
    if not session.in_transaction() or session.info.get("uncommitted_write") \
            or session.new or session.dirty or session.deleted:
        return False
    session.commit()
    return True
