"""Lists in pages: the page number a request asks for, and a page of rows that are not
plain model objects (e.g. with a read flag or a count).

Lists of plain objects use Flask-SQLAlchemy's db.paginate; both fit _macros/pagination.html.
"""
from dataclasses import dataclass

from flask import request

from app.request_input import db_int


def page_number():
    """The page the query string asks for (`?pagina=3`), at least 1.

    Absent, not a number, negative, 0 or beyond what the database holds (app.request_input
    .db_int): page 1, never an error. A page past the last one is the list's business
    (db.paginate gives no rows, clamp_page the last page).
    """
    return request.args.get("pagina", 1, type=db_int) or 1


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
