"""A page of a list whose rows are not plain model objects (e.g. with a read flag or a count).

Lists of plain objects use Flask-SQLAlchemy's db.paginate; both fit _macros/pagination.html.
"""
from dataclasses import dataclass


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    # The names of Flask-SQLAlchemy's Pagination, for _macros/pagination.html.
    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


def clamp_page(page, total, per_page):
    """(page, pages): the requested page kept within 1..pages (at least one page)."""
    pages = max(1, -(-total // per_page))
    return min(max(1, page), pages), pages
