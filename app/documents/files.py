"""Document files: what a file really is (by its bytes, never its name or Content-Type),
a safe download name, and where it is stored (UPLOAD_DIR/documents, random names).

Accepted: PDF; Word, Excel and PowerPoint (docx/xlsx/pptx, and the old doc/xls);
JPEG, PNG, WebP and GIF images. Office files with macros are refused.
"""
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from app.storage import UploadError, read_limited


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


def _utf16(name):
    return name.encode("utf-16-le")


def _detect_ooxml(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
        return None
    lowered = {name.lower() for name in names}
    if any(name.endswith("vbaproject.bin") for name in lowered):
        raise UploadError("Office-bestanden met macro's worden niet geaccepteerd. Sla het bestand op zonder macro's.")
    if "word/document.xml" in lowered:
        return "docx"
    if "xl/workbook.xml" in lowered:
        return "xlsx"
    if "ppt/presentation.xml" in lowered:
        return "pptx"
    return None


def _detect_ole(data):
    # The old binary Office formats are OLE2 compound files; the name of the main stream
    # (UTF-16 in the directory) tells Word from Excel.
    if any(_utf16(name) in data for name in ("Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT")):
        raise UploadError("Office-bestanden met macro's worden niet geaccepteerd. Sla het bestand op zonder macro's.")
    if _utf16("WordDocument") in data:
        return "doc"
    if _utf16("Workbook") in data or _utf16("Book\x00") in data:
        return "xls"
    return None


def _detect_image(data):
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}.get(fmt)


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
    return CheckedFile(data=data, kind=KINDS[kind], filename=clean_filename(name, kind))


def size_label(size_bytes):
    """"240 kB", "1,4 MB" (Dutch decimal comma)."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, round(size_bytes / 1024))} kB"
    megabytes = size_bytes / (1024 * 1024)
    text = f"{megabytes:.0f}" if megabytes == int(megabytes) else f"{megabytes:.1f}".replace(".", ",")
    return f"{text} MB"


def documents_root():
    path = Path(current_app.config["UPLOAD_DIR"]) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(checked):
    """Write the checked bytes under a random name; returns that name."""
    stored_name = f"{secrets.token_hex(16)}.{checked.kind.extension}"
    (documents_root() / stored_name).write_bytes(checked.data)
    return stored_name


def path_of(document):
    return documents_root() / document.stored_name
