"""The dates of the retention periods (app/admin/retention.py, app/admin/retention_absence.py):
N years after a day, and the day a period has passed."""
from datetime import timedelta


def add_years(day, years):
    """The same date `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def due_on(left_at, years):
    """The first day on which a pupil who left on `left_at` left more than `years` years ago."""
    return add_years(left_at, years) + timedelta(days=1)


def one_month_after(day):
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
