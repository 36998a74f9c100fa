"""Document files: what a file really is (by its bytes, never its name or Content-Type),
a safe download name, and where it is stored (app/storage: documents/<random name>).

Accepted: PDF; Word, Excel and PowerPoint (docx/xlsx/pptx, and the old doc/xls);
JPEG, PNG, WebP and GIF images. Checked by content:
- Office files with macros are refused, however the macro part is named: in docx/xlsx/pptx
  any part whose content type or relationship is a VBA project (or its Word data), an
  Excel 4.0 macro sheet (also any part under xl/macrosheets/), a macro-enabled main part,
  or an embedded OLE2 object holding a VBA project; in the old doc/xls (OLE2, read with
  olefile) any VBA/Macros storage, and in an .xls an Excel 4.0 macro sheet or VB module
  in the workbook's sheet list (BOUNDSHEET records).
- docx/xlsx/pptx that fetch something from outside when opened are refused: a template
  attached from outside (attachedTemplate), and every other relationship with
  TargetMode="External" except plain hyperlinks (linked pictures, frames, OLE links,
  external workbooks: the way remote content and NTLM leaks come in).
- Password-protected (encrypted) Office files are refused: they cannot be checked.
- JPEG, PNG and WebP are re-encoded without metadata (EXIF, GPS, comments) by the same
  code as every uploaded photo (app/images.strip_metadata). GIF is stored as it is (it
  has no EXIF block, and re-encoding would lose an animation).
"""
import io
import re
import secrets
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

import olefile
from flask import current_app
from PIL import Image, UnidentifiedImageError

from app.images import UploadError, read_limited, strip_metadata
from app.storage import document_key, get_storage


@dataclass(frozen=True)
class Kind:
    key: str
    extension: str
    mime_type: str
    label: str  # shown in lists: "PDF", "Word", ...
    noun: str  # in messages: "een PDF-bestand", "een afbeelding (PNG)"


KINDS = {
    "pdf": Kind("pdf", "pdf", "application/pdf", "PDF", "een PDF-bestand"),
    "docx": Kind("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "Word", "een Word-bestand"),
    "xlsx": Kind("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "Excel", "een Excel-bestand"),
    "pptx": Kind("pptx", "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "PowerPoint", "een PowerPoint-bestand"),
    "doc": Kind("doc", "doc", "application/msword", "Word", "een Word-bestand"),
    "xls": Kind("xls", "xls", "application/vnd.ms-excel", "Excel", "een Excel-bestand"),
    "jpg": Kind("jpg", "jpg", "image/jpeg", "Afbeelding", "een afbeelding (JPEG)"),
    "png": Kind("png", "png", "image/png", "Afbeelding", "een afbeelding (PNG)"),
    "webp": Kind("webp", "webp", "image/webp", "Afbeelding", "een afbeelding (WebP)"),
    "gif": Kind("gif", "gif", "image/gif", "Afbeelding", "een afbeelding (GIF)"),
}
# File name extensions and the kind each one claims to be.
EXTENSIONS = {
    "pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "pptx": "pptx", "doc": "doc", "xls": "xls",
    "jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif",
}
ACCEPT = ",".join(f".{ext}" for ext in EXTENSIONS)
NOT_ACCEPTED = "Dit bestandstype wordt niet geaccepteerd. Upload een PDF, een Word-, Excel- of PowerPoint-bestand, of een afbeelding (JPEG, PNG, WebP, GIF)."

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_ENTRIES = 5000
# What we read from inside an Office zip: the XML of content types and relationships, and
# embedded OLE2 objects. Larger parts (a zip bomb) make the file uncheckable.
MAX_XML_PART = 5 * 1024 * 1024
MAX_EMBEDDED_TOTAL = 100 * 1024 * 1024

MACROS = "Office-bestanden met macro's worden niet geaccepteerd. Sla het bestand op zonder macro's."
EXTERNAL_TEMPLATE = ("Dit Office-bestand gebruikt een sjabloon van buiten het bestand. Zulke bestanden worden niet "
                     "geaccepteerd. Sla het op als PDF of als document zonder gekoppeld sjabloon en probeer het opnieuw.")
EXTERNAL_LINK = ("Dit Office-bestand haalt bij het openen iets op van buiten het bestand (een gekoppelde "
                 "afbeelding, een ander bestand of een website). Zulke bestanden worden niet geaccepteerd. Verwijder "
                 "de koppeling of sla het op als PDF en probeer het opnieuw.")
ENCRYPTED = ("Dit bestand is met een wachtwoord beveiligd en kan daardoor niet worden gecontroleerd. "
             "Upload een versie zonder wachtwoord.")
UNCHECKABLE = "Dit Office-bestand kan niet worden gecontroleerd (het is ongewoon groot van binnen). Sla het op als PDF."

# Content types and relationship types (their last part) that carry macros.
MACRO_CONTENT_TYPE_WORDS = ("vbaproject", "vbadata", "macrosheet", "macroenabled")
MACRO_RELATIONSHIPS = {"vbaproject", "wordvbadata", "xlmacrosheet", "xlintlmacrosheet"}
# OLE2 storages of a VBA project: Word's Macros/VBA, Excel's _VBA_PROJECT_CUR/VBA.
VBA_STORAGES = {"vba", "macros", "_vba_project_cur", "_vba_project"}
BOUNDSHEET, BIFF_EOF, BIFF_BOF, FILEPASS = 0x0085, 0x000A, 0x0809, 0x002F
MACRO_SHEET_TYPES = {0x01, 0x06}  # Excel 4.0 macro sheet, VB module


class _NotOffice(Exception):
    """The bytes do not hold a readable Office file."""


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _xml(archive, info):
    if info.file_size > MAX_XML_PART:
        raise UploadError(UNCHECKABLE)
    data = archive.read(info)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # never in Office XML; no entity tricks
        raise _NotOffice()
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise _NotOffice() from None


def _content_types(archive, infos):
    """{part name (lower, without leading /): content type (lower)} for every part."""
    root = _xml(archive, infos["[content_types].xml"])
    defaults, overrides = {}, {}
    for element in root:
        name = _local(element.tag)
        if name == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "").lower()
        elif name == "Override":
            overrides[element.get("PartName", "").lstrip("/").lower()] = element.get("ContentType", "").lower()
    types = {}
    for part in infos:
        extension = part.rsplit(".", 1)[-1] if "." in part.rsplit("/", 1)[-1] else ""
        types[part] = overrides.get(part, defaults.get(extension, ""))
    return types


def _check_relationships(archive, infos):
    """Refuse macro relationships and anything fetched from outside (see the docstring)."""
    for part, info in infos.items():
        if not part.endswith(".rels"):
            continue
        for element in _xml(archive, info):
            if _local(element.tag) != "Relationship":
                continue
            kind = element.get("Type", "").rstrip("/").rsplit("/", 1)[-1].lower()
            external = element.get("TargetMode", "").lower() == "external"
            if kind in MACRO_RELATIONSHIPS:
                raise UploadError(MACROS)
            if kind == "attachedtemplate":
                raise UploadError(EXTERNAL_TEMPLATE)
            if external and kind != "hyperlink":
                raise UploadError(EXTERNAL_LINK)


def _check_embedded(archive, infos):
    """Embedded OLE2 objects (whatever their name): no VBA project, no macro sheet."""
    total = 0
    for info in infos.values():
        if info.is_dir() or info.file_size < len(OLE_MAGIC):
            continue
        with archive.open(info) as part:
            if part.read(len(OLE_MAGIC)) != OLE_MAGIC:
                continue
        total += info.file_size
        if total > MAX_EMBEDDED_TOTAL:
            raise UploadError(UNCHECKABLE)
        try:
            _check_ole(_open_ole(archive.read(info)))
        except _NotOffice:
            continue  # not a readable OLE2 file: Office will not run anything from it either


def _detect_ooxml(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infolist = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(infolist) > MAX_ZIP_ENTRIES:
        return None
    infos = {info.filename.lstrip("/").lower(): info for info in infolist}
    if "[content_types].xml" not in infos:
        return None
    try:
        types = _content_types(archive, infos)
        if any(part.startswith("xl/macrosheets/") or part.endswith("vbaproject.bin") for part in infos) or any(
                word in content_type for content_type in types.values() for word in MACRO_CONTENT_TYPE_WORDS):
            raise UploadError(MACROS)
        _check_relationships(archive, infos)
        _check_embedded(archive, infos)
    except _NotOffice:
        return None
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError):
        return None  # a damaged or encrypted zip entry
    if "word/document.xml" in infos:
        return "docx"
    if "xl/workbook.xml" in infos:
        return "xlsx"
    if "ppt/presentation.xml" in infos:
        return "pptx"
    return None


def _open_ole(data):
    try:
        return olefile.OleFileIO(data)
    except Exception:  # noqa: BLE001 — olefile raises many kinds on damaged files
        raise _NotOffice() from None


def _workbook_has_macro_sheets(stream):
    """The BIFF records of the workbook globals: does the sheet list hold an Excel 4.0
    macro sheet or a VB module? (MS-XLS: BoundSheet8.dt; the list ends at the first EOF.)"""
    position = 0
    first = True
    while position + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4:position + 4 + length]
        if first and record != BIFF_BOF:
            raise _NotOffice()
        first = False
        if record == FILEPASS:
            raise UploadError(ENCRYPTED)
        if record == BOUNDSHEET and len(body) >= 6 and body[5] in MACRO_SHEET_TYPES:
            return True
        if record == BIFF_EOF:
            return False
        position += 4 + length
    return False


def _check_ole(ole):
    """Refuse an OLE2 file with a VBA project, or a workbook with macro sheets."""
    try:
        entries = ole.listdir(streams=True, storages=True)
        if any(part.lower() in VBA_STORAGES for entry in entries for part in entry):
            raise UploadError(MACROS)
        if ole.exists("EncryptedPackage"):
            raise UploadError(ENCRYPTED)
        for name in ("Workbook", "Book"):
            if ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM:
                if _workbook_has_macro_sheets(ole.openstream(name).read()):
                    raise UploadError(MACROS)
    except UploadError:
        raise
    except _NotOffice:
        raise
    except Exception:  # noqa: BLE001 — a damaged directory or stream
        raise _NotOffice() from None


def _detect_ole(data):
    # The old binary Office formats are OLE2 compound files; the main stream tells Word
    # from Excel.
    try:
        ole = _open_ole(data)
        _check_ole(ole)
    except _NotOffice:
        return None
    if ole.exists("WordDocument"):
        return "doc"
    if ole.exists("Workbook") or ole.exists("Book"):
        return "xls"
    return None


def _detect_image(data):
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    # MPO: a phone camera's JPEG with extra preview frames; a JPEG to everyone.
    return {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}.get(fmt)


def detect_kind(data):
    """The kind key of these bytes, or None when they are nothing we accept."""
    if data.startswith(b"%PDF-"):
        # A PDF ends with %%EOF (possibly followed by a little whitespace or junk).
        return "pdf" if b"%%EOF" in data[-2048:] else None
    if data.startswith(b"PK\x03\x04"):
        return _detect_ooxml(data)
    if data.startswith(OLE_MAGIC):
        return _detect_ole(data)
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" or data[:6] in (b"GIF87a", b"GIF89a") or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return _detect_image(data)
    return None


def clean_filename(name, kind):
    """A safe download name: no path, no control or reserved characters, the extension of
    what the file really is, at most 120 characters. Keeps accents (ë, é)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "", name)
    name = " ".join(name.split())
    stem, dot, _ = name.rpartition(".")
    stem = (stem if dot else name).strip(" .")[:110].strip(" .") or "document"
    return f"{stem}.{KINDS[kind].extension}"


def claimed_kind(name):
    """The kind the file name claims (its extension), or None."""
    if "." not in (name or ""):
        return None
    return EXTENSIONS.get(name.rsplit(".", 1)[1].strip().lower())


@dataclass
class CheckedFile:
    data: bytes
    kind: Kind
    filename: str


def check_upload(file_storage):
    """Read and check an uploaded document. Raises UploadError (Dutch) when it is refused."""
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    data = read_limited(file_storage, limit, f"Het bestand is te groot. Het maximum is {size_label(limit)}.")
    name = file_storage.filename or ""
    claimed = claimed_kind(name)
    if "." in name and claimed is None:
        raise UploadError(NOT_ACCEPTED)
    kind = detect_kind(data)
    if kind is None:
        if claimed is not None:
            raise UploadError(
                f"Dit bestand is niet echt {KINDS[claimed].noun}, hoewel de naam dat zegt. "
                "Controleer het bestand en probeer het opnieuw."
            )
        raise UploadError(NOT_ACCEPTED)
    # jpg/jpeg naming and the two Word/Excel generations are the same claim.
    same = {("doc", "docx"), ("docx", "doc"), ("xls", "xlsx"), ("xlsx", "xls")}
    if claimed is not None and claimed != kind and (claimed, kind) not in same:
        raise UploadError(
            f"De naam van dit bestand zegt dat het {KINDS[claimed].noun} is, maar het is {KINDS[kind].noun}. "
            "Controleer het bestand en probeer het opnieuw."
        )
    if kind in ("jpg", "png", "webp"):
        # No EXIF/GPS in a document either: the same cleaning as every photo.
        data, _, _ = strip_metadata(data)
    return CheckedFile(data=data, kind=KINDS[kind], filename=clean_filename(name, kind))


def kind_label(kind):
    """The label of a stored kind ("pdf" -> "PDF"); an unknown kind as it is."""
    found = KINDS.get(kind)
    return found.label if found else kind


def size_label(size_bytes):
    """"240 kB", "1,4 MB" (Dutch decimal comma)."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, round(size_bytes / 1024))} kB"
    megabytes = size_bytes / (1024 * 1024)
    text = f"{megabytes:.0f}" if megabytes == int(megabytes) else f"{megabytes:.1f}".replace(".", ",")
    return f"{text} MB"


def store(checked):
    """Store the checked bytes under a random name (before the row is committed); returns
    that name. Raises StorageError (an UploadError, Dutch) when the store is away."""
    stored_name = f"{secrets.token_hex(16)}.{checked.kind.extension}"
    get_storage().put(document_key(stored_name), checked.data, checked.kind.mime_type)
    return stored_name


def serve(document):
    """The document as a download (private, never cached); 404 when its file is missing."""
    return get_storage().serve(document_key(document.stored_name), document.mime_type,
                               download_name=document.original_name, inline=False, cache="private, no-store")
