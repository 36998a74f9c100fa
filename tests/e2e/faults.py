"""The fault table: what each fault cost, in the numbers a hosting engineer asks for.

A row per fault: requests made while it lasted, the answers that were not 2xx/3xx, the 5xx
answers (or none at all) a person should never get — all but those in flight during a
database restart and a photo asked while the store is down —, mails expected / sent /
duplicated and files expected / present.
"""
from dataclasses import dataclass, field


@dataclass
class FaultRow:
    fault: str
    requests: int = 0
    non_2xx: int = 0
    parent_5xx: int = 0
    mails_expected: int = 0
    mails_sent: int = 0
    mails_duplicated: int = 0
    files_expected: int = 0
    files_present: int = 0
    notes: list = field(default_factory=list)

    @property
    def mails_lost(self):
        return self.mails_expected - self.mails_sent

    @property
    def files_missing(self):
        return self.files_expected - self.files_present


class FaultTable:
    COLUMNS = ("fault", "requests", "non-2xx", "5xx not allowed", "mails exp/sent/dup", "files exp/present")

    def __init__(self):
        self.rows = []

    def add(self, fault, **values):
        row = FaultRow(fault, **values)
        self.rows.append(row)
        return row

    def render(self):
        lines = [tuple(self.COLUMNS)]
        for row in self.rows:
            lines.append((row.fault, str(row.requests), str(row.non_2xx), str(row.parent_5xx),
                          f"{row.mails_expected}/{row.mails_sent}/{row.mails_duplicated}",
                          f"{row.files_expected}/{row.files_present}"))
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.COLUMNS))]
        out = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
        out.insert(1, "  ".join("-" * width for width in widths))
        notes = [f"  {row.fault}: {note}" for row in self.rows for note in row.notes]
        return "\n".join(["== e2e fault table", *out, *notes])
