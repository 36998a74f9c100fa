"""Backup and restore: `flask --app wsgi backup create DIR`, `backup restore DIR`, `backup check`.

A backup is a folder:
- `database.dump` — `pg_dump -Fc` of PostgreSQL (one transaction: a consistent snapshot
  while the portal keeps running), or `database.sqlite` — SQLite's online backup API;
- `manifest.json` — when, which database kind and schema revision, and the object
  store's key list with sizes (photos, documents, statements: they live in the store,
  not in the database);
- `objects/` — with `--objects`, a copy of every object (for a store that is not
  replicated or versioned by its provider).

The objects are listed after the dump: every row of the dump has its object by then (the
storage writes an object before the row that refers to it is committed, app/storage). A
file deleted between the dump and the listing is what `backup check` reports after a
restore; a store with versioning (most providers offer it) closes that gap.

`restore` only writes into an EMPTY database (no tables) and, when the backup holds the
objects, an EMPTY store: it never merges into or overwrites a live school.
"""
import json
import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from app.extensions import db
from app.storage.backend import get_storage
from app.storage.base import StorageError
from app.storage.references import stored_keys

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite"
OBJECTS = "objects"
FORMAT = 1


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message says why, in Dutch."""


# --- the database ---------------------------------------------------------------------------

def _database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url):
    """(the URL for pg_dump/pg_restore without its password, the environment with it):
    a password on a command line is readable by every user of the machine."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, environment


def _run(command, environment, what):
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is niet geïnstalleerd; installeer de PostgreSQL-clientprogramma's "
                          "(Debian: postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{what} is mislukt: {result.stderr.strip()[-1500:]}")


def _sqlite_path(url):
    if not url.database or url.database == ":memory:":
        raise BackupError("Een SQLite-database in het geheugen kan niet worden geback-upt.")
    return Path(url.database)


def dump_database(folder):
    """The database into `folder`; returns the file name."""
    url = _database_url()
    if url.get_backend_name() == "postgresql":
        plain, environment = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={folder / PG_DUMP}",
              f"--dbname={plain}"], environment, "pg_dump")
        return PG_DUMP
    if url.get_backend_name() == "sqlite":
        db.session.remove()
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(folder / SQLITE_COPY)
        try:
            source.backup(target)  # online and consistent, also while the portal writes
        finally:
            target.close()
            source.close()
        return SQLITE_COPY
    raise BackupError(f"Databasesoort {url.get_backend_name()} wordt niet ondersteund.")


def database_tables():
    """The tables the configured database has now (empty for a new database)."""
    return inspect(db.engine).get_table_names()


def restore_database(folder, manifest):
    url = _database_url()
    kind = url.get_backend_name()
    if kind != manifest["database"]:
        raise BackupError(f"Deze back-up is van een {manifest['database']}-database; "
                          f"de ingestelde database is {kind}.")
    tables = database_tables()
    if tables:
        raise BackupError(f"De database is niet leeg ({len(tables)} tabellen, o.a. {', '.join(sorted(tables)[:3])}). "
                          "Zet een back-up alleen terug in een nieuwe, lege database.")
    db.session.remove()
    db.engine.dispose()  # pg_restore must be alone with the database; SQLite's file is replaced
    if kind == "postgresql":
        plain, environment = _libpq(url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={plain}", str(folder / PG_DUMP)], environment, "pg_restore")
    else:
        source = sqlite3.connect(folder / SQLITE_COPY)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()


def schema_revision():
    from sqlalchemy import text

    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 — a database without migrations (tests) has none
        db.session.rollback()
        return None


# --- the objects ----------------------------------------------------------------------------

def list_objects(storage):
    """{key: size} of every object of the portal in the store."""
    return {key: item.size for key, item in sorted(stored_keys(storage).items())}


def copy_objects_out(storage, keys, folder):
    for key in keys:
        path = folder / OBJECTS / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(storage.get(key))


def copy_objects_in(storage, manifest, folder):
    """Put every object of the backup into the store (restore checked it is empty); the count."""
    import mimetypes

    for key, size in manifest["objects"].items():
        data = (folder / OBJECTS / key).read_bytes()
        if len(data) != size:
            raise BackupError(f"Het bestand {key} in de back-up is {len(data)} bytes, het manifest zegt {size}.")
        storage.put(key, data, mimetypes.guess_type(key)[0] or "application/octet-stream")
    return len(manifest["objects"])


# --- the three commands -----------------------------------------------------------------------

def create(folder, with_objects=False, echo=click.echo):
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"De map {folder} is niet leeg; kies een nieuwe map voor de back-up.")
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    revision = schema_revision()
    database_file = dump_database(folder)
    storage = get_storage()
    objects = list_objects(storage)  # after the dump: every row of it has its object by now
    if with_objects:
        copy_objects_out(storage, objects, folder)
    manifest = {
        "format": FORMAT, "created_at": started.isoformat(timespec="seconds"),
        "database": _database_url().get_backend_name(), "database_file": database_file,
        "schema_revision": revision, "storage": repr(storage), "objects_copied": with_objects,
        "objects": objects,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    total = sum(objects.values())
    echo(f"backup create: database ({database_file}) en een lijst van {len(objects)} bestanden "
         f"({total / 1_000_000:.1f} MB){' met kopie' if with_objects else ''} in {folder}.")
    return manifest


def read_manifest(folder):
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{path} ontbreekt: dit is geen back-up van het ouderportaal.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Onbekende back-upversie {manifest.get('format')!r}.")
    return manifest


def restore(folder, echo=click.echo):
    folder = Path(folder)
    manifest = read_manifest(folder)
    storage = get_storage()
    if manifest["objects_copied"] and list_objects(storage):
        # Checked before the database is touched: a refused restore leaves nothing half done.
        raise BackupError("De opslag is niet leeg. Zet de bestanden van een back-up alleen terug in een "
                          "nieuwe, lege bucket of map.")
    restore_database(folder, manifest)
    echo(f"backup restore: database teruggezet uit {manifest['database_file']} "
         f"(van {manifest['created_at']}).")
    if manifest["objects_copied"]:
        echo(f"backup restore: {copy_objects_in(storage, manifest, folder)} bestanden teruggezet in {storage!r}.")
    else:
        echo(f"backup restore: deze back-up bevat alleen de lijst van {len(manifest['objects'])} bestanden; "
             f"de bestanden zelf komen uit de opslag ({storage!r}).")
    return manifest


def check(folder=None, echo=click.echo):
    """Every row's object in the store (and, with a backup folder, every object of its
    manifest at its size); returns the number of problems."""
    from app.storage.cli import report_missing

    problems = report_missing(echo)
    if folder is not None:
        manifest = read_manifest(folder)
        present = list_objects(get_storage())
        wrong = [key for key, size in manifest["objects"].items() if present.get(key) != size]
        for key in wrong:
            echo(f"  uit de back-up: {key} ({'ontbreekt' if key not in present else 'andere grootte'})")
        problems += len(wrong)
    return problems


def register(app):
    @app.cli.group("backup")
    def backup_group():
        """Back-up en terugzetten van de database en de lijst (of kopie) van de bestanden."""

    @backup_group.command("create")
    @click.argument("folder", type=click.Path(file_okay=False))
    @click.option("--objects", "with_objects", is_flag=True, help="Kopieer ook alle bestanden uit de opslag.")
    def backup_create(folder, with_objects):
        """Maak een back-up in de (nieuwe, lege) map FOLDER."""
        try:
            create(folder, with_objects)
        except StorageError as error:
            raise BackupError(str(error)) from None

    @backup_group.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    def backup_restore(folder):
        """Zet de back-up in FOLDER terug in een lege database (en lege opslag), en controleer."""
        try:
            restore(folder)
            problems = check(folder)
        except StorageError as error:
            raise BackupError(str(error)) from None
        if problems:
            raise SystemExit(1)

    @backup_group.command("check")
    @click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
    def backup_check(folder):
        """Controleer dat elk bestand van de database in de opslag staat (met FOLDER: ook die van de back-up)."""
        try:
            problems = check(folder)
        except StorageError as error:
            raise BackupError(str(error)) from None
        if problems:
            raise SystemExit(1)
