"""CSV downloads for staff (the meeting planning, the consent overview): cells a spreadsheet
cannot run as a formula, semicolons and a BOM so Excel in Dutch opens them as they are."""
import csv
import io

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` as text, with a quote in front when a spreadsheet would run it as a formula."""
    value = str(value)
    return "'" + value if value[:1] in _FORMULA_START else value


def csv_download(filename, header, rows):
    """A CSV attachment: `header` and `rows` (lists of values), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return Response(
        "\ufeff" + buffer.getvalue(),  # BOM: Excel reads UTF-8 names correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
