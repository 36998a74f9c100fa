"""Step 1a of the import: the file's bytes as text. UTF-8 (with or without BOM) or
Windows-1252; what is not a CSV file at all (Excel, PDF, a picture, UTF-16, binary) is
refused with a Dutch message that says what to do instead."""
import io
import re

from app.admin.csv_import.columns import FileProblem

SAVE_AS = "Sla het bestand in Excel op met 'Opslaan als' → 'CSV UTF-8' en importeer dat bestand."
# A multi-byte UTF-8 character; Windows-1252 text practically never contains one.
UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
ENCODING_LABELS = {"utf8": "UTF-8", "cp1252": "Windows-1252 (ANSI)"}
# Pictures someone may pick by mistake; Pillow recognises them by their content.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "AVIF", "ICO")


def _image_format(data):
    """The image format of the bytes ("PNG"), "" for an image too large to look at, or None."""
    from PIL import Image, UnidentifiedImageError

    Image.init()
    formats = [name for name in IMAGE_FORMATS if name in Image.OPEN]  # a Pillow without AVIF: the rest
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            return image.format
    except Image.DecompressionBombError:
        return ""
    except (UnidentifiedImageError, OSError, ValueError):
        pass
    if data[4:8] == b"ftyp":  # HEIC photos (iPhone) and videos: ISO media files
        return "HEIC"
    return None


def _looks_utf16(data):
    """UTF-16 without a byte order mark: every other byte of (mostly ASCII) text is NUL."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 8:
        return False
    shares = sorted((even.count(0) / len(even), odd.count(0) / len(odd)))
    return shares[1] > 0.3 and shares[0] < 0.05


def _line_of(data, index):
    return data.count(b"\n", 0, index) + 1


def _decode_lines(data, has_bom):
    """UTF-8 or Windows-1252; refused when lines of both are mixed (text pasted together from
    two exports), which one encoding for the whole file would turn into 'NoÃ«lle'."""
    first = ("utf8", 1) if has_bom else None
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            charset = "utf8"
        except UnicodeDecodeError:
            if UTF8_CHARACTER.search(line):
                raise FileProblem(f"Regel {number} van het bestand bevat zowel UTF-8- als Windows-1252-tekens "
                                  f"(ANSI): zo worden namen verminkt (bijvoorbeeld 'NoÃ«lle' in plaats van "
                                  f"'Noëlle'). {SAVE_AS}") from None
            charset = "cp1252"
        if first is None:
            first = (charset, number)
        elif charset != first[0]:
            raise FileProblem(f"Het bestand mengt twee tekensets: regel {number} is {ENCODING_LABELS[charset]} en "
                              f"regel {first[1]} is {ENCODING_LABELS[first[0]]}. Zo worden namen verminkt "
                              f"(bijvoorbeeld 'NoÃ«lle' in plaats van 'Noëlle'). {SAVE_AS}")
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileProblem("De tekens in dit bestand zijn niet te lezen: het is geen UTF-8 en geen "
                          "Windows-1252 (ANSI). Sla het bestand opnieuw op als 'CSV UTF-8'.") from None


def decode(data):
    """(text, encoding label): UTF-8 (with or without BOM) or Windows-1252; anything else refused."""
    if not data or not data.strip():
        raise FileProblem("Het bestand is leeg.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("Dit is een Excel-bestand, geen CSV-bestand. Kies in Excel 'Opslaan als' → "
                          "'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)' en importeer dat bestand.")
    if data.startswith(b"%PDF-"):
        raise FileProblem("Dit is een PDF-bestand, geen CSV-bestand. Exporteer de leerlingen uit de "
                          "leerlingadministratie als CSV-bestand en importeer dat bestand.")
    image = _image_format(data)
    if image is not None:
        raise FileProblem(f"Dit is een afbeelding{f' ({image})' if image else ''}, geen CSV-bestand. Kies het "
                          f"CSV-bestand met de leerlingen uit de leerlingadministratie.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise FileProblem("Dit bestand is opgeslagen als 'Unicode-tekst' (UTF-16) en kan niet gelezen worden. "
                          "Sla het op als 'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)'.")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileProblem(f"Regel {_line_of(data, nul)} van het bestand bevat een NUL-teken (een "
                          f"onzichtbaar teken met code 0), dat in een CSV-bestand niet thuishoort. Het bestand is "
                          f"beschadigd of geen CSV-bestand. {SAVE_AS}")
    has_bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if has_bom else data
    try:
        text, encoding = body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text, encoding = _decode_lines(body, has_bom)
    control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if control:
        raise FileProblem(f"Regel {text.count(chr(10), 0, control.start()) + 1} van het bestand bevat tekens die in "
                          f"een CSV-bestand niet thuishoren; het is waarschijnlijk geen CSV-bestand.")
    return text, encoding
