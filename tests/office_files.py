"""Real Office files built in the tests: OLE2 compound files (the old .doc/.xls, and the
embedded objects of docx/xlsx) and OOXML zips, with or without macros and external links.

OLE2 (MS-CFB, version 3, 512-byte sectors): every stream of 4,096 bytes or more lives in
ordinary sectors, so no mini stream is needed; each storage's children are a chain of
right siblings, sorted as the format sorts names. olefile and Office read these.
"""
import io
import struct
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
FREE, END, FAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MIN_STREAM = 4096  # streams below the mini-stream cutoff would need a mini stream


def ole_file(tree):
    """An OLE2 file from {name: bytes (a stream) or {…} (a storage)}; streams are padded
    with zeros to 4,096 bytes (the content's own length rules say where it ends)."""
    entries = []  # [name, type, children ids, data]

    def add(name, node):
        index = len(entries)
        if isinstance(node, dict):
            entries.append([name, 1, [], b""])
            for child_name in sorted(node, key=lambda n: (len(n), n.upper())):
                entries[index][2].append(add(child_name, node[child_name]))
        else:
            data = bytes(node)
            if data and len(data) < MIN_STREAM:
                data += b"\x00" * (MIN_STREAM - len(data))
            entries.append([name, 2, [], data])
        return index

    root = add("Root Entry", tree)
    entries[root][1] = 5
    sectors, fat = [], []

    def place(data):
        if not data:
            return END
        count = -(-len(data) // SECTOR)
        start = len(sectors)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(start + i + 1 if i < count - 1 else END)
        return start

    starts = [place(entry[3]) if entry[1] == 2 else END for entry in entries]
    rights = {}
    for _, _, children, _ in entries:
        for position, child in enumerate(children):
            rights[child] = children[position + 1] if position + 1 < len(children) else NONE
    directory = b""
    for index, (name, kind, children, data) in enumerate(entries):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory += (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)  # black: the chain is a valid enough tree
            + struct.pack("<III", NONE, rights.get(index, NONE), children[0] if children else NONE)
            + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16  # CLSID, state bits, times
            + struct.pack("<IQ", starts[index], len(data) if kind == 2 else 0)
        )
    directory = directory.ljust(-(-len(directory) // SECTOR) * SECTOR, b"\x00")
    directory_start = place(directory)
    # The FAT covers every sector, its own included.
    fat_count = 1
    while (len(sectors) + fat_count) > fat_count * (SECTOR // 4):
        fat_count += 1
    fat_start = len(sectors)
    fat += [FAT_SECTOR] * fat_count
    fat += [FREE] * (fat_count * (SECTOR // 4) - len(fat))
    table = struct.pack(f"<{len(fat)}I", *fat)
    for i in range(fat_count):
        sectors.append(table[i * SECTOR:(i + 1) * SECTOR])
    assert fat_count <= 109
    difat = [fat_start + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = (
        OLE_MAGIC + b"\x00" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, fat_count, directory_start, 0, MIN_STREAM, END, 0, END, 0)
        + struct.pack("<109I", *difat)
    )
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def biff_record(record, body=b""):
    return struct.pack("<HH", record, len(body)) + body


def workbook_stream(sheets):
    """The globals of a BIFF8 workbook: BOF, one BOUNDSHEET per (name, sheet type), EOF.
    Sheet type 0x00 is a worksheet, 0x01 an Excel 4.0 macro sheet, 0x06 a VB module."""
    stream = biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
    for name, sheet_type in sheets:
        encoded = name.encode("latin-1")
        stream += biff_record(0x0085, struct.pack("<IBBBB", 0, 0, sheet_type, len(encoded), 0) + encoded)
    return stream + biff_record(0x000A)


def xls(sheets=(("Blad1", 0x00),), extra=None):
    """An old Excel workbook (OLE2 with a Workbook stream)."""
    return ole_file({"Workbook": workbook_stream(sheets), **(extra or {})})


def doc(extra=None):
    """An old Word document (OLE2 with a WordDocument stream; a FIB-like start)."""
    return ole_file({"WordDocument": b"\xec\xa5\xc1\x00" + b"\x00" * 600, "1Table": b"\x00" * 600, **(extra or {})})


VBA_PROJECT = {"VBA": {"dir": b"\x01" * 100, "_VBA_PROJECT": b"\xcc\x61" + b"\x00" * 10, "Module1": b"Sub x()"},
               "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n'}


# --- OOXML -----------------------------------------------------------------------------------

CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_TYPES = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}


def relationships(*rels):
    """A .rels part from (id, type, target[, "External"])."""
    items = "".join(
        f'<Relationship Id="{r[0]}" Type="{r[1]}" Target="{r[2]}"'
        + (f' TargetMode="{r[3]}"' if len(r) > 3 else "") + "/>"
        for r in rels
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS}">{items}</Relationships>'


def ooxml_file(main="word/document.xml", parts=None, overrides=None, defaults=None, main_type=None):
    """A docx/xlsx/pptx: content types, package relationships, the main part, and `parts`
    ({name: bytes or text}); `overrides`/`defaults` add content types."""
    default_items = {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml"}
    default_items.update(defaults or {})
    override_items = {f"/{main}": main_type or MAIN_TYPES[main]}
    override_items.update(overrides or {})
    types = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT}">'
             + "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in default_items.items())
             + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in override_items.items())
             + "</Types>")
    content = {
        "[Content_Types].xml": types,
        "_rels/.rels": relationships(("rId1", f"{OFFICE_REL}/officeDocument", main)),
        main: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><document/>',
    }
    content.update(parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return out.getvalue()
