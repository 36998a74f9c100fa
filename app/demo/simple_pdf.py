"""A tiny PDF writer for the demo documents (the parent manual, a holiday schedule).

Plain text only: headings ("# "), subheadings ("## "), bullets ("- ") and paragraphs,
set in the PDF standard fonts Helvetica and Helvetica-Bold (WinAnsiEncoding covers
Dutch accents). No dependency needed; the result is a small, valid PDF 1.4.
"""
import textwrap
import zlib

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
STYLES = {  # kind: (font, size, leading, characters per line, space before)
    "title": ("F2", 20, 26, 45, 0),
    "h1": ("F2", 14, 19, 64, 12),
    "h2": ("F2", 12, 16, 75, 8),
    "text": ("F1", 11, 15, 90, 4),
    "bullet": ("F1", 11, 15, 86, 2),
}


def _escape(text):
    encoded = text.encode("cp1252", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _blocks(source):
    """Source lines -> [(style, text)]; consecutive text lines form one paragraph."""
    blocks, paragraph = [], []

    def flush():
        if paragraph:
            blocks.append(("text", " ".join(paragraph)))
            paragraph.clear()

    for raw in source.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(("h2", line[3:]))
        elif line.startswith("# "):
            flush()
            blocks.append(("h1" if blocks else "title", line[2:]))
        elif line.startswith("- "):
            flush()
            blocks.append(("bullet", line[2:]))
        else:
            paragraph.append(line)
    flush()
    return blocks


def _pages(blocks, footer):
    """Lay the blocks out on pages: a list of content streams (bytes)."""
    pages, ops = [], []
    y = PAGE_HEIGHT - MARGIN

    def new_page():
        nonlocal ops, y
        if ops:
            pages.append(ops)
        ops, y = [], PAGE_HEIGHT - MARGIN

    for style, text in blocks:
        font, size, leading, width, before = STYLES[style]
        lines = textwrap.wrap(text, width=width) or [""]
        if style in ("h1", "h2") and y - before - leading * 3 < MARGIN:
            new_page()  # keep a heading with what follows
        y -= before
        for index, line in enumerate(lines):
            if y - leading < MARGIN:
                new_page()
            y -= leading
            x = MARGIN
            if style == "bullet":
                x = MARGIN + 14
                if index == 0:
                    ops.append(b"BT /F1 11 Tf %d %d Td (\x95) Tj ET" % (MARGIN + 2, y))
            ops.append(b"BT /%s %d Tf %d %d Td (%s) Tj ET" % (font.encode(), size, x, y, _escape(line)))
    new_page()
    streams = []
    for number, page_ops in enumerate(pages, start=1):
        footer_text = _escape(f"{footer} – pagina {number} van {len(pages)}")
        page_ops.append(b"0.4 g BT /F1 9 Tf %d %d Td (%s) Tj ET" % (MARGIN, MARGIN - 24, footer_text))
        streams.append(b"\n".join(page_ops))
    return streams


def text_to_pdf(source, title, footer=""):
    """A PDF (bytes) of the text `source` in the small markup described above."""
    streams = _pages(_blocks(source), footer or title)
    objects = []  # object bodies; object n is objects[n - 1]

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_obj = add(None)
    font1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    font2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    info = add(b"<< /Title (%s) /Producer (Ouderportaal) >>" % _escape(title))
    page_ids = []
    for stream in streams:
        packed = zlib.compress(stream)
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed))
        page_ids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
            % (pages_obj, PAGE_WIDTH, PAGE_HEIGHT, content, font1, font2)
        ))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    kids = b" ".join(b"%d 0 R" % page for page in page_ids)
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    return bytes(out)
