"""`flask storage migrate` (the local folder's files into the configured store) and
`flask storage check` (every row has its object; exit status 1 and a list when not)."""
import mimetypes

import click
from flask import current_app

from app.storage.backend import get_storage
from app.storage.base import StorageError
from app.storage.keys import PREFIXES
from app.storage.local import TEMPORARY, LocalStorage
from app.storage.references import expected_objects, missing_objects


def migrate(source, target, echo=click.echo):
    """Copy every object of `source` that `target` lacks (same key); idempotent.
    Returns (copied, already there, failed)."""
    copied = present = failed = 0
    for prefix in PREFIXES:
        there = {item.key: item.size for item in target.keys(prefix)}
        for item in source.keys(prefix):
            if item.key.rsplit("/", 1)[-1].startswith(TEMPORARY):
                continue  # half of an interrupted write, never referenced
            if there.get(item.key) == item.size:
                present += 1
                continue
            try:
                target.put(item.key, source.get(item.key),
                           mimetypes.guess_type(item.key)[0] or "application/octet-stream")
                copied += 1
            except StorageError as error:
                echo(f"  niet gekopieerd: {item.key} ({error})")
                failed += 1
    return copied, present, failed


def report_missing(echo=click.echo):
    """Echo the check's result; returns the number of rows without their object."""
    missing = missing_objects()
    if not missing:
        echo(f"storage check: alle {len(expected_objects())} bestanden van de database zijn aanwezig "
             f"in {get_storage()!r}.")
        return 0
    echo(f"storage check: {len(missing)} bestand(en) ontbreken in {get_storage()!r}:")
    for key, what in missing:
        echo(f"  {key}  ({what})")
    return len(missing)


def register(app):
    @app.cli.group("storage")
    def storage_group():
        """Bestanden (foto's, documenten, verklaringen): de opslag."""

    @storage_group.command("migrate")
    def storage_migrate():
        """Kopieer de bestanden uit UPLOAD_DIR naar de ingestelde opslag (nog eens draaien kan), en controleer."""
        source, target = LocalStorage(current_app.config["UPLOAD_DIR"]), get_storage()
        try:
            if isinstance(target, LocalStorage) and target.root.resolve() == source.root.resolve():
                click.echo("storage migrate: STORAGE_URL wijst naar UPLOAD_DIR zelf; er valt niets te kopiëren.")
            else:
                copied, present, failed = migrate(source, target)
                click.echo(f"storage migrate: {copied} gekopieerd, {present} stonden er al, {failed} mislukt "
                           f"({source!r} -> {target!r}).")
                if failed:
                    raise SystemExit(1)
            missing = report_missing()
        except StorageError as error:
            click.echo(f"storage migrate: {error}")
            raise SystemExit(2) from None
        if missing:
            raise SystemExit(1)

    @storage_group.command("check")
    def storage_check():
        """Controleer of elk bestand waar de database naar verwijst in de opslag staat (exit 1 als niet)."""
        try:
            missing = report_missing()
        except StorageError as error:
            click.echo(f"storage check: {error}")
            raise SystemExit(2) from None
        if missing:
            raise SystemExit(1)
