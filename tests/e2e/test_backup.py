"""Backup and restore of a running deployment (app/backup.py), on PostgreSQL and S3: a
backup made while the web process serves, restored into a fresh database and a fresh
bucket, is the same school — the restored portal serves its photos — and `backup check`
passes; a second restore into the now full database is refused; an object removed from
the bucket is reported. A backup of the key list only, restored beside the original
bucket, checks out too.
"""
from tests.e2e import day
from tests.e2e.records import query
from tests.e2e.web import links
from tests.fixtures.services import free_port

TABLES = ("users", "children", "stored_images", "albums", "album_photos", "messages", "meeting_bookings",
          "notification_deliveries")


def counts(database_url):
    return {table: query(database_url, f"SELECT count(*) FROM {table}")[0][0] for table in TABLES}  # noqa: S608


def objects_without_prefix(s3, bucket):
    return {key.split("/", 1)[1]: size for key, size in s3.objects(bucket).items()}


def test_backup_restore_check_round_trip(portal, services, e2e_root):
    s3, postgres = services.s3, services.postgres
    portal.ensure_running("web")
    folder = e2e_root / "backup-full"
    output = portal.run("flask", "--app", "wsgi", "backup", "create", str(folder), "--objects")
    assert "backup create:" in output, output
    original = counts(portal.env["DATABASE_URL"])
    files = objects_without_prefix(s3, s3.bucket)
    assert original["stored_images"] and len(files) >= 2 * original["stored_images"]

    restored = {"DATABASE_URL": postgres.create_database("restored"), "STORAGE_URL": "s3://ouderportaal-restored/school"}
    s3.create_bucket("ouderportaal-restored")
    output = portal.run("flask", "--app", "wsgi", "backup", "restore", str(folder), **restored)
    assert f"{len(files)} bestanden teruggezet" in output and "zijn aanwezig" in output, output
    assert counts(restored["DATABASE_URL"]) == original
    assert objects_without_prefix(s3, "ouderportaal-restored") == files

    # The restored school works: a web process on it shows a parent her album's photos.
    port = free_port()
    portal.start("web", key="web-restored", PORT=port, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=1,
                 **restored)
    try:
        parent = day.logged_in(f"http://127.0.0.1:{port}", day.PARENT)
        albums = parent.get("/fotoalbums")
        album = links(albums.text, r"^/fotoalbums/\d+$")[0]
        _, images = day.view_album(parent, int(album.rsplit("/", 1)[1]))
        assert images and all(image.status_code == 200 and image.content[:2] in (b"\xff\xd8", b"\x89P")
                              for image in images)
    finally:
        portal.stop("web-restored")

    code, output = portal.run_status("flask", "--app", "wsgi", "backup", "restore", str(folder), **restored)
    assert code != 0 and "niet leeg" in output, output
    assert counts(restored["DATABASE_URL"]) == original

    gone = sorted(files)[0]
    s3.client().delete_object(Bucket="ouderportaal-restored", Key=f"school/{gone}")
    code, output = portal.run_status("flask", "--app", "wsgi", "backup", "check", **restored)
    assert code == 1 and gone in output and "1 bestand ontbreekt" in output, output


def test_a_backup_of_the_key_list_only_restores_beside_the_original_bucket(portal, services, e2e_root):
    folder = e2e_root / "backup-list"
    portal.run("flask", "--app", "wsgi", "backup", "create", str(folder))
    assert not (folder / "objects").exists()
    target = {"DATABASE_URL": services.postgres.create_database("restored_list")}
    output = portal.run("flask", "--app", "wsgi", "backup", "restore", str(folder), **target)
    assert "alleen de lijst" in output and "zijn aanwezig" in output, output
    code, output = portal.run_status("flask", "--app", "wsgi", "backup", "check", str(folder), **target)
    assert code == 0, output
    code, output = portal.run_status("flask", "--app", "wsgi", "backup", "restore", str(folder), **target)
    assert code != 0 and "De database is niet leeg" in output, output
