"""`flask backup create|restore|check` (app/backup.py) on SQLite and the local folder:
a backup restored into a fresh database and a fresh folder is the same school, with every
file; a non-empty target is refused untouched; a missing object is reported.

The same round trip on PostgreSQL (pg_dump/pg_restore) and S3 runs in the end-to-end
suite (tests/e2e/test_backup.py), on servers of its own.
"""
import json

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import StoredImage, User
from app.storage import get_storage
from tests.factories import ParentFactory, album_with_photos



@pytest.fixture
def school(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        pytest.skip("the SQLite round trip; PostgreSQL's is tests/e2e/test_backup.py")
    ParentFactory(email="ouder.backup@example.nl", login_name="ouder.backup@example.nl")
    album_with_photos(3)
    return app


def fresh_app(tmp_path):
    """A second portal: its own empty SQLite file and upload folder."""
    from config import TestConfig

    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'restored.sqlite'}",
                      UPLOAD_DIR=str(tmp_path / "restored-uploads"))


def invoke(app, *args):
    """`flask ARGS` on `app` (its context pushed: the CLI runs in the current app's context,
    and the test's own app has one pushed already)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def counts():
    return (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(StoredImage)))


def stored(app):
    with app.app_context():
        return {item.key: item.size for prefix in ("images/", "documents/") for item in get_storage().keys(prefix)}


def test_backup_with_objects_restores_into_a_fresh_database_and_folder(school, tmp_path):
    before, files = counts(), stored(school)
    assert len(files) == 6  # three photos and their thumbnails
    result = invoke(school, "backup", "create", str(tmp_path / "backup"), "--objects")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["objects"] == files and manifest["database"] == "sqlite"

    restored = fresh_app(tmp_path)
    result = invoke(restored, "backup", "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "6 bestanden teruggezet" in result.output and "alle 6 bestanden" in result.output
    with restored.app_context():
        assert counts() == before
        assert db.session.scalar(select(User.email).where(User.login_name == "ouder.backup@example.nl"))
    assert stored(restored) == files

    # Once more into the same (now full) database: refused, nothing changed.
    result = invoke(restored, "backup", "restore", str(tmp_path / "backup"))
    assert result.exit_code != 0
    assert "niet leeg" in result.output
    with restored.app_context():
        assert counts() == before


def test_check_reports_a_removed_object(school, tmp_path):
    invoke(school, "backup", "create", str(tmp_path / "backup"), "--objects")
    restored = fresh_app(tmp_path)
    invoke(restored, "backup", "restore", str(tmp_path / "backup"))
    with restored.app_context():
        image = db.session.scalars(select(StoredImage)).first()
        gone = f"images/{image.stem}_thumb.{image.extension}"
        get_storage().delete(gone)
    result = invoke(restored, "backup", "check")
    assert result.exit_code == 1
    assert gone in result.output and "1 bestand ontbreekt" in result.output
    result = invoke(restored, "backup", "check", str(tmp_path / "backup"))
    assert result.exit_code == 1 and result.output.count(gone) == 2


def test_create_refuses_a_folder_in_use_and_restore_a_folder_without_manifest(school, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "iets.txt").write_text("x")
    result = invoke(school, "backup", "create", str(tmp_path / "full"))
    assert result.exit_code != 0 and "niet leeg" in result.output
    result = invoke(fresh_app(tmp_path), "backup", "restore", str(tmp_path / "full"))
    assert result.exit_code != 0 and "geen back-up van het ouderportaal" in result.output


def test_a_store_that_is_not_empty_is_refused_before_the_database_is_touched(school, tmp_path):
    invoke(school, "backup", "create", str(tmp_path / "backup"), "--objects")
    restored = fresh_app(tmp_path)
    with restored.app_context():
        get_storage().put("images/al-hier.png", b"x", "image/png")
    result = invoke(restored, "backup", "restore", str(tmp_path / "backup"))
    assert result.exit_code != 0 and "opslag is niet leeg" in result.output
    with restored.app_context():
        assert db.inspect(db.engine).get_table_names() == []
