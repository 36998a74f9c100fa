"""Every parent page makes a bounded number of queries on a school of the benchmark's shape.

bench/dataset.py builds the benchmark school; here the same generator builds it twice at
small sizes (1/50 and 1/10 of the benchmark) and every parent page must make exactly the
same number of queries on both: nothing grows with the data.
"""
from bench import dataset
from bench.queries import page_query_counts
from tests.fixtures.app_db import _empty_all_tables

# Home is the largest: a query per panel (Afwezigheid's "absent today" made it 21).
MAX_QUERIES = 21


def test_parent_pages_do_not_grow_with_the_data(app):
    dataset.populate(app, scale=0.02)
    small = page_query_counts(app)
    _empty_all_tables()
    dataset.populate(app, scale=0.1)
    larger = page_query_counts(app)

    assert len(small) >= 15, f"not every parent page was reached: {sorted(small)}"
    assert small == larger, {page: (small[page], larger.get(page)) for page in small if small[page] != larger.get(page)}
    too_many = {page: count for page, count in larger.items() if count > MAX_QUERIES}
    assert not too_many, f"pages above {MAX_QUERIES} queries: {too_many}"
