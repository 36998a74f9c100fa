"""What a page of Afwezigheid shows of a report: the one filter (who reaches which report is
app/access.py's: the child's guardians, the teachers of its group, the office).

Never a phone list: the day list and the office's counts show a pupil's name, group,
reason, note and the report's dates, never a phone number, address or e-mail address (staff
look those up on the pupil's own page, where app/privacy decides). Other parents see nothing
of any absence anywhere. `report_row` is what templates get.
"""
from dataclasses import dataclass
from datetime import date

from app.models import ABSENCE_PARTS


@dataclass(frozen=True)
class ReportRow:
    id: int
    child_id: int
    child_name: str
    group_name: str
    reason: str
    note: str
    start_date: date
    end_date: date | None
    part: str
    late: bool
    excused: bool
    by_staff: bool
    withdrawn: bool

    @property
    def part_label(self):
        return ABSENCE_PARTS.get(self.part, self.part)


def report_row(report):
    """A report as a page shows it (the caller got it through app.access)."""
    child = report.child
    return ReportRow(
        id=report.id, child_id=child.id, child_name=child.name,
        group_name=child.group.name if child.group is not None else "",
        reason=report.reason.name if report.reason is not None else "", note=report.note or "",
        start_date=report.start_date, end_date=report.end_date, part=report.part, late=report.late,
        excused=report.excused, by_staff=report.by_staff, withdrawn=report.withdrawn_at is not None,
    )
