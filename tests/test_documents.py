"""Documenten: who downloads what, files checked by content (not name), size limit,
safe download names, folders, the Beheer pages, the demo manual and bounded queries."""
import html
import io
import zipfile
from urllib.parse import unquote

import pytest
from PIL import Image
from sqlalchemy import func, insert, select

from app.documents import files
from app.extensions import db
from app.models import Document, DocumentFolder, document_groups, utcnow
from tests.content_helpers import SEES, VIEWERS, count_queries, main_of, post_form, school, text_of  # noqa: F401
from tests.factories import document_object, pdf_bytes, png_bytes, stored_document, stored_names
from tests.office_files import OFFICE_REL, OLE_MAGIC, VBA_PROJECT, doc, ole_file, ooxml_file, relationships, xls


def zip_bytes(parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def image_bytes(fmt):
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 30)).save(out, fmt)
    return out.getvalue()


def word_document():
    from app.demo.content import _docx

    return _docx(["Verlofaanvraag"])


VBA_CT = "application/vnd.ms-office.vbaProject"
MS_REL = "http://schemas.microsoft.com/office/2006/relationships"


def docx_with_rels(*rels, part="word/_rels/document.xml.rels", extra=None):
    return ooxml_file(parts={part: relationships(*rels), **(extra or {})})


GOOD_FILES = [
    ("brief.pdf", pdf_bytes, "pdf", "application/pdf"),
    ("formulier.docx", word_document, "docx", files.KINDS["docx"].mime_type),
    ("rooster.xlsx", lambda: ooxml_file("xl/workbook.xml"), "xlsx", files.KINDS["xlsx"].mime_type),
    ("presentatie.pptx", lambda: ooxml_file("ppt/presentation.xml"), "pptx", files.KINDS["pptx"].mime_type),
    ("oud.doc", doc, "doc", "application/msword"),
    ("lijst.xls", lambda: xls([("Blad1", 0x00), ("Blad2", 0x00)]), "xls", "application/vnd.ms-excel"),
    ("met-link.docx", lambda: docx_with_rels(("rId5", f"{OFFICE_REL}/hyperlink", "https://www.schutkampen.example/",
                                              "External")), "docx", files.KINDS["docx"].mime_type),
    ("met-tabel.docx", lambda: ooxml_file(parts={"word/embeddings/oleObject1.bin": xls()}), "docx",
     files.KINDS["docx"].mime_type),  # an embedded workbook without macros is fine
    ("plattegrond.png", png_bytes, "png", "image/png"),
    ("foto.jpg", lambda: image_bytes("JPEG"), "jpg", "image/jpeg"),
    ("foto.jpeg", lambda: image_bytes("JPEG"), "jpg", "image/jpeg"),
    ("animatie.gif", lambda: image_bytes("GIF"), "gif", "image/gif"),
    ("zonder-extensie", pdf_bytes, "pdf", "application/pdf"),
]
REENCODED = {"png", "jpg", "webp"}  # stored without metadata, so not byte for byte

MACROS = "Office-bestanden met macro's worden niet geaccepteerd."
TEMPLATE = "Dit Office-bestand gebruikt een sjabloon van buiten het bestand."
EXTERNAL = "Dit Office-bestand haalt bij het openen iets op van buiten het bestand"
BAD_FILES = [
    ("brief.pdf", lambda: b"<html><script>alert(1)</script></html>", "Dit bestand is niet echt een PDF-bestand"),
    ("brief.pdf", lambda: b"%PDF-1.4\n1 0 obj\n", "Dit bestand is niet echt een PDF-bestand"),  # cut off
    ("formulier.docx", lambda: b"MZ\x90\x00" + b"\x00" * 200, "Dit bestand is niet echt een Word-bestand"),
    ("formulier.docx", lambda: zip_bytes({"readme.txt": "hallo"}), "Dit bestand is niet echt een Word-bestand"),
    ("formulier.docx", lambda: ooxml_file(parts={"word/_rels/document.xml.rels": '<!DOCTYPE r [<!ENTITY a "b">]><r/>'}),
     "Dit bestand is niet echt een Word-bestand"),
    ("rooster.xlsx", lambda: b"PK\x03\x04 broken zip", "Dit bestand is niet echt een Excel-bestand"),
    ("oud.doc", lambda: ole_file({"Something": b"x" * 10}), "Dit bestand is niet echt een Word-bestand"),
    ("oud.doc", lambda: OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 600,
     "Dit bestand is niet echt een Word-bestand"),  # the name in the bytes, but no real compound file
    ("foto.jpg", lambda: b"\xff\xd8\xff\xe0 not really a jpeg", "Dit bestand is niet echt een afbeelding (JPEG)"),
    ("brief.pdf", png_bytes, "De naam van dit bestand zegt dat het een PDF-bestand is, maar het is een afbeelding (PNG)."),
    ("foto.png", pdf_bytes, "De naam van dit bestand zegt dat het een afbeelding (PNG) is, maar het is een PDF-bestand."),
    ("script.html", lambda: b"<html></html>", "Dit bestandstype wordt niet geaccepteerd."),
    ("virus.exe", pdf_bytes, "Dit bestandstype wordt niet geaccepteerd."),
    ("notities.txt", lambda: b"gewone tekst", "Dit bestandstype wordt niet geaccepteerd."),
    ("zonder-extensie", lambda: b"gewone tekst", "Dit bestandstype wordt niet geaccepteerd."),
    ("leeg.pdf", lambda: b"", "Het gekozen bestand is leeg."),
    # Macros in docx/xlsx/pptx, whatever the part is called.
    ("macro.docx", lambda: ooxml_file(parts={"word/vbaProject.bin": ole_file(VBA_PROJECT)},
                                      overrides={"/word/vbaProject.bin": VBA_CT}), MACROS),
    ("verstopt.docx", lambda: ooxml_file(parts={"word/hidden.bin": ole_file(VBA_PROJECT)},
                                         overrides={"/word/hidden.bin": VBA_CT}), MACROS),
    ("verstopt2.docx", lambda: ooxml_file(parts={"word/hidden.bin": b"\x00" * 64}, defaults={"bin": VBA_CT}), MACROS),
    ("relatie.docx", lambda: docx_with_rels(("rId7", f"{MS_REL}/vbaProject", "data.dat"),
                                            extra={"word/data.dat": b"\x00" * 64}), MACROS),
    ("ingebed.docx", lambda: ooxml_file(parts={"word/embeddings/oleObject1.bin": ole_file({"Macros": VBA_PROJECT,
                                                                                           "WordDocument": b"x"})}), MACROS),
    ("macroblad.xlsx", lambda: ooxml_file("xl/workbook.xml", parts={"xl/macrosheets/sheet1.xml": "<xm:macrosheet/>"}),
     MACROS),
    ("macroblad2.xlsx", lambda: ooxml_file("xl/workbook.xml", parts={"xl/worksheets/sheet9.xml": "<x/>"},
                                           overrides={"/xl/worksheets/sheet9.xml": "application/vnd.ms-excel.macrosheet+xml"}),
     MACROS),
    ("macroblad3.xlsx", lambda: ooxml_file("xl/workbook.xml", parts={
        "xl/_rels/workbook.xml.rels": relationships(("rId3", f"{MS_REL}/xlMacrosheet", "worksheets/sheet3.xml")),
        "xl/worksheets/sheet3.xml": "<x/>"}), MACROS),
    ("docm.docx", lambda: ooxml_file(main_type="application/vnd.ms-word.document.macroEnabled.main+xml"), MACROS),
    # Something fetched from outside when the file is opened.
    ("sjabloon.docx", lambda: docx_with_rels(("rId1", f"{OFFICE_REL}/attachedTemplate",
                                              "https://sjablonen.example/brief.dotm", "External"),
                                             part="word/_rels/settings.xml.rels"), TEMPLATE),
    ("sjabloon2.docx", lambda: docx_with_rels(("rId1", f"{OFFICE_REL}/attachedTemplate",
                                               "file:///\\\\server\\share\\brief.dotm", "External"),
                                              part="word/_rels/settings.xml.rels"), TEMPLATE),
    ("plaatje.docx", lambda: docx_with_rels(("rId4", f"{OFFICE_REL}/image", "https://tracker.example/p.png",
                                             "External")), EXTERNAL),
    ("ole-link.docx", lambda: docx_with_rels(("rId4", f"{OFFICE_REL}/oleObject", "mhtml:https://x.example/!x",
                                              "External")), EXTERNAL),
    # The old formats: a VBA project in any of its storages, Excel 4.0 macro sheets.
    ("macro.doc", lambda: doc({"Macros": VBA_PROJECT}), MACROS),
    ("macro.xls", lambda: xls(extra={"_VBA_PROJECT_CUR": VBA_PROJECT}), MACROS),
    ("macro2.xls", lambda: xls(extra={"VBA": VBA_PROJECT["VBA"]}), MACROS),
    ("xlm.xls", lambda: xls([("Blad1", 0x00), ("Macro1", 0x01)]), MACROS),
    ("module.xls", lambda: xls([("Blad1", 0x00), ("Module1", 0x06)]), MACROS),
    ("wachtwoord.xlsx", lambda: ole_file({"EncryptedPackage": b"\x00" * 100, "EncryptionInfo": b"\x00" * 100}),
     "met een wachtwoord beveiligd"),
]


def stored_files(app):
    return stored_names("documents/")


def upload(client, data, filename, **fields):
    form = {"title": "Een document", "school_wide": "y", "file": (io.BytesIO(data), filename)}
    form.update(fields)
    return post_form(client, "/beheer/documenten/nieuw", form, content_type="multipart/form-data")


# --- who downloads what ------------------------------------------------------------------

def documents(school):
    return {
        "school": stored_document(title="Schoolgids", filename="Schoolgids.pdf", school_wide=True),
        "own": stored_document(title="Weekplanning groep 3", filename="Weekplanning 3.pdf", groups=[school["own"]]),
        "other": stored_document(title="Spellingwoorden groep 6", filename="Spelling 6.pdf", groups=[school["other"]]),
    }


@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility_matrix(school, login_as, viewer):
    docs = documents(school)
    client = login_as(school["people"][viewer])
    listing = main_of(client.get("/documenten/"))
    for key, document in docs.items():
        allowed = SEES[viewer][key]
        assert (document.title in listing) is allowed, (viewer, key)
        response = client.get(f"/documenten/{document.id}/download")
        assert response.status_code == (200 if allowed else 404), (viewer, key)
        if allowed:
            assert response.data == document_object(document).read_bytes()
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.mimetype == "application/pdf"
            assert "no-store" in response.headers["Cache-Control"]


def test_not_logged_in_is_sent_to_login(school, client):
    document = stored_document(school_wide=True)
    for path in ("/documenten/", f"/documenten/{document.id}/download"):
        assert "/login" in client.get(path).location


def test_unknown_id_is_404(school, login_as):
    assert login_as(school["people"]["office"]).get("/documenten/9999/download").status_code == 404


def test_listed_by_folder(school, login_as):
    forms = DocumentFolder(name="Formulieren", sort_order=2)
    guide = DocumentFolder(name="Over de school", sort_order=1)
    stored_document(title="Verlofaanvraag", school_wide=True, folder=forms)
    stored_document(title="Schoolgids", school_wide=True, folder=guide)
    stored_document(title="Losse brief", school_wide=True)
    html = main_of(login_as(school["people"]["parent_in"]).get("/documenten/"))
    positions = [html.index(text) for text in ("Over de school", "Schoolgids", "Formulieren", "Verlofaanvraag",
                                                "Overige documenten", "Losse brief")]
    assert positions == sorted(positions)
    assert "PDF" in html and "kB" in html


# --- uploading: checked by content -------------------------------------------------------

@pytest.mark.parametrize("filename, make, kind, mime", GOOD_FILES, ids=[f[0] for f in GOOD_FILES])
def test_accepted_files(school, login_as, app, filename, make, kind, mime):
    data = make()
    response = upload(login_as(school["people"]["office"]), data, filename)
    assert response.status_code == 302, text_of(response)[:2000]
    document = db.session.scalar(select(Document))
    assert (document.kind, document.mime_type) == (kind, mime)
    assert document.original_name.endswith("." + files.KINDS[kind].extension)
    # Stored under a random name of its real kind, never the uploaded name.
    assert stored_files(app) == [document.stored_name]
    assert document.stored_name != filename and len(document.stored_name.split(".")[0]) == 32
    download = login_as(school["people"]["parent_in"]).get(f"/documenten/{document.id}/download")
    assert download.mimetype == mime and document.size_bytes == len(download.data)
    if kind in REENCODED:
        with Image.open(io.BytesIO(download.data)) as image:
            assert image.size == Image.open(io.BytesIO(data)).size
    else:
        assert download.data == data


def photo_with_gps(fmt):
    """A photo as a phone makes it: EXIF with the camera, a description and GPS coordinates."""
    from PIL import ExifTags, PngImagePlugin

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefoonmerk"
    exif[ExifTags.Base.ImageDescription] = "Dorpsstraat 12"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 18.0, 36.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (6.0, 31.0, 12.0),
    }
    out = io.BytesIO()
    options = {"exif": exif}
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "Telefoonmerk bij de Dorpsstraat 12")
        options["pnginfo"] = info
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, fmt, **options)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as image:  # the test file really carries it
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


@pytest.mark.parametrize("fmt, filename", [("JPEG", "schoolplein.jpg"), ("PNG", "schoolplein.png"),
                                           ("WEBP", "schoolplein.webp")])
def test_photos_uploaded_as_documents_lose_exif_and_gps(school, login_as, app, fmt, filename):
    from PIL import ExifTags

    data = photo_with_gps(fmt)
    assert b"Telefoonmerk" in data
    response = upload(login_as(school["people"]["office"]), data, filename)
    assert response.status_code == 302, text_of(response)[:2000]
    document = db.session.scalar(select(Document))
    download = login_as(school["people"]["parent_in"]).get(f"/documenten/{document.id}/download")
    assert download.status_code == 200
    with Image.open(io.BytesIO(download.data)) as image:
        assert image.format == fmt and image.size == (64, 48)
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and not any("Comment" in str(key) for key in image.info)
    assert b"Telefoonmerk" not in download.data and b"Dorpsstraat" not in download.data
    assert document_object(document).read_bytes() == download.data  # what is stored, not only what is served


@pytest.mark.parametrize("filename, make, message", BAD_FILES, ids=[f"{f[0]}-{i}" for i, f in enumerate(BAD_FILES)])
def test_refused_files_store_nothing(school, login_as, app, filename, make, message):
    response = upload(login_as(school["people"]["office"]), make(), filename)
    assert response.status_code == 422
    assert message in html.unescape(text_of(response))
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert stored_files(app) == []


def test_oversized_upload_is_refused(school, login_as, app):
    app.config["MAX_DOCUMENT_BYTES"] = 200 * 1024
    client = login_as(school["people"]["office"])
    big = b"%PDF-1.4\n" + b"0" * (201 * 1024) + b"\n%%EOF\n"
    response = upload(client, big, "groot.pdf")
    assert response.status_code == 422
    assert "Het bestand is te groot. Het maximum is 200 kB." in text_of(response)
    assert db.session.scalar(select(func.count(Document.id))) == 0 and stored_files(app) == []
    assert "maximaal 200 kB" in text_of(client.get("/beheer/documenten/nieuw"))


def test_missing_file_and_empty_title(school, login_as, app):
    client = login_as(school["people"]["office"])
    response = post_form(client, "/beheer/documenten/nieuw", {"title": "Zonder bestand", "school_wide": "y"})
    assert response.status_code == 422 and "Kies een bestand om te uploaden." in text_of(response)
    response = upload(client, pdf_bytes(), "brief.pdf", title="")
    assert response.status_code == 422 and "Vul een titel in." in text_of(response)
    assert db.session.scalar(select(func.count(Document.id))) == 0 and stored_files(app) == []


@pytest.mark.parametrize("uploaded, served", [
    ("../../etc/Schoolgids.pdf", "Schoolgids.pdf"),
    ("C:\\Users\\juf\\Bureaublad\\Rooster.pdf", "Rooster.pdf"),
    ('Brief "ouders"; <groep 3>.pdf', "Brief ouders groep 3.pdf"),
    ("Schoolgids één.PDF", "Schoolgids één.pdf"),
    ("zonder-extensie", "zonder-extensie.pdf"),
    ("formulier.doc.pdf", "formulier.doc.pdf"),
    ("\x00\x1b.pdf", "document.pdf"),
    ("...", "document.pdf"),
    ("a" * 300 + ".pdf", "a" * 110 + ".pdf"),
])
def test_clean_filename(uploaded, served):
    assert files.clean_filename(uploaded, "pdf") == served


@pytest.mark.parametrize("uploaded, served", [
    ("../../etc/Schoolgids.pdf", "Schoolgids.pdf"),
    ("Schoolgids één.PDF", "Schoolgids één.pdf"),
    ("zonder-extensie", "zonder-extensie.pdf"),
])
def test_download_has_the_sanitised_original_name(school, login_as, uploaded, served):
    upload(login_as(school["people"]["office"]), pdf_bytes(), uploaded)
    document = db.session.scalar(select(Document))
    assert document.original_name == served
    response = login_as(school["people"]["parent_in"]).get(f"/documenten/{document.id}/download")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    if served.isascii():
        assert f'filename="{served}"' in disposition or f"filename={served}" in disposition
    else:
        assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == served


# --- Beheer: rights and folders -----------------------------------------------------------

def test_teacher_uploads_for_own_group_only(school, login_as, app):
    client = login_as(school["people"]["teacher_own"])
    form = text_of(client.get("/beheer/documenten/nieuw"))
    assert "Hele school" not in form
    response = upload(client, pdf_bytes(), "brief.pdf", school_wide="y")
    assert response.status_code == 422
    assert "Alleen de schooladministratie kan iets voor de hele school plaatsen." in text_of(response)
    response = upload(client, pdf_bytes(), "brief.pdf", school_wide="", groups=str(school["other"].id))
    assert response.status_code == 422
    assert "U kunt alleen iets plaatsen voor uw eigen groep(en)." in text_of(response)
    assert db.session.scalar(select(func.count(Document.id))) == 0 and stored_files(app) == []
    response = upload(client, pdf_bytes(), "brief.pdf", school_wide="", groups=str(school["own"].id),
                      new_folder="Huiswerk")
    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert [g.id for g in document.groups] == [school["own"].id] and document.folder.name == "Huiswerk"
    assert "Huiswerk" in main_of(login_as(school["people"]["parent_in"]).get("/documenten/"))
    assert document.title not in main_of(login_as(school["people"]["parent_out"]).get("/documenten/"))


def test_new_folder_reuses_an_existing_name(school, login_as):
    folder = DocumentFolder(name="Formulieren")
    db.session.add(folder)
    db.session.commit()
    client = login_as(school["people"]["office"])
    upload(client, pdf_bytes(), "a.pdf", new_folder="formulieren ")
    upload(client, pdf_bytes(), "b.pdf", folder=str(folder.id))
    assert db.session.scalar(select(func.count(DocumentFolder.id))) == 1
    assert {d.folder_id for d in db.session.scalars(select(Document))} == {folder.id}
    response = upload(client, pdf_bytes(), "c.pdf", folder="9999")
    assert response.status_code == 422 and "Kies een map uit de lijst." in text_of(response)


def test_staff_rights_edit_replace_and_delete(school, login_as, app):
    docs = documents(school)
    teacher = login_as(school["people"]["teacher_own"])
    listing = text_of(teacher.get("/beheer/documenten/"))
    assert docs["own"].title in listing and docs["school"].title not in listing and docs["other"].title not in listing
    for key in ("school", "other"):
        assert teacher.get(f"/beheer/documenten/{docs[key].id}/wijzigen").status_code == 404
        assert post_form(teacher, f"/beheer/documenten/{docs[key].id}/verwijderen", {},
                         form_page="/beheer/documenten/").status_code == 404
    old_name = docs["own"].stored_name
    response = post_form(teacher, f"/beheer/documenten/{docs['own'].id}/wijzigen", {
        "title": "Weekplanning (nieuw)", "groups": str(school["own"].id),
        "file": (io.BytesIO(png_bytes()), "planning.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    document = db.session.get(Document, docs["own"].id)
    assert (document.title, document.kind, document.original_name) == ("Weekplanning (nieuw)", "png", "planning.png")
    assert old_name not in stored_files(app) and document.stored_name in stored_files(app)
    # A refused replacement keeps the old file and details.
    response = post_form(teacher, f"/beheer/documenten/{document.id}/wijzigen", {
        "title": "Anders", "groups": str(school["own"].id), "file": (io.BytesIO(b"nep"), "planning.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Document, document.id).title == "Weekplanning (nieuw)"
    assert len(stored_files(app)) == 3
    document_id = document.id
    response = post_form(teacher, f"/beheer/documenten/{document_id}/verwijderen", {}, form_page="/beheer/documenten/")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Document.id)).where(Document.id == document_id)) == 0
    assert len(stored_files(app)) == 2
    office = login_as(school["people"]["office"])
    assert office.get(f"/beheer/documenten/{docs['other'].id}/wijzigen").status_code == 200
    assert login_as(school["people"]["parent_in"]).get("/beheer/documenten/").status_code == 403


# --- the parent manual in the demo data ---------------------------------------------------

def test_demo_has_the_parent_manual_as_a_document(app, login_as):
    from app.demo import DemoContext, content, people

    ctx = DemoContext()
    people.seed(ctx)
    db.session.commit()
    content.seed(ctx)
    db.session.commit()
    content.seed(ctx)  # idempotent
    db.session.commit()
    manual = db.session.scalar(select(Document).where(Document.title == content.MANUAL_TITLE))
    assert manual is not None and manual.school_wide and manual.kind == "pdf"
    assert db.session.scalar(select(func.count(Document.id)).where(Document.title == content.MANUAL_TITLE)) == 1
    data = document_object(manual).read_bytes()
    assert files.detect_kind(data) == "pdf" and b"/Title (Handleiding Mijn School voor ouders)" in data
    parent = login_as("ouder@example.nl", "Demo!2026")
    assert content.MANUAL_TITLE in main_of(parent.get("/documenten/"))
    assert parent.get(f"/documenten/{manual.id}/download").data == data
    # Several groups have their own documents, news and agenda items.
    group_docs = db.session.scalars(select(Document).where(Document.school_wide.is_(False))).all()
    assert len({group.name for doc in group_docs for group in doc.groups}) >= 4


# --- bounded queries ----------------------------------------------------------------------

def add_documents(count, groups, folder, first=0):
    now = utcnow()
    rows = [{"title": f"Bulk {n}", "description": "", "original_name": f"bulk{n}.pdf", "stored_name": f"bulk-{n}.pdf",
             "kind": "pdf", "mime_type": "application/pdf", "size_bytes": 1000 + n, "school_wide": n % 2 == 0,
             "folder_id": folder.id if n % 3 == 0 else None, "created_at": now, "updated_at": now}
            for n in range(first, first + count)]
    ids = list(db.session.scalars(insert(Document).returning(Document.id), rows))
    db.session.execute(insert(document_groups), [
        {"document_id": doc_id, "group_id": group.id} for n, doc_id in enumerate(ids) if n % 2 for group in groups])
    db.session.commit()


def test_list_pages_make_the_same_number_of_queries_for_10_and_1000(school, login_as):
    folder = DocumentFolder(name="Formulieren")
    db.session.add(folder)
    db.session.commit()
    clients = {who: login_as(school["people"][who]) for who in ("parent_in", "teacher_own", "office")}
    paths = [("parent_in", "/documenten/"), ("teacher_own", "/documenten/"), ("teacher_own", "/beheer/documenten/"),
             ("office", "/documenten/"), ("office", "/beheer/documenten/")]
    add_documents(10, [school["own"], school["other"]], folder)
    few = {key: count_queries(clients[key[0]], key[1]) for key in paths}
    add_documents(990, [school["own"], school["other"]], folder, first=10)
    many = {key: count_queries(clients[key[0]], key[1]) for key in paths}
    assert many == few
    assert "Bulk 999" in main_of(clients["office"].get("/documenten/"))
