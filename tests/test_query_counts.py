"""Every parent page makes a bounded number of queries on a school of the benchmark's shape.

bench/dataset.py builds the benchmark school; here the same generator builds it twice at
small sizes (1/50 and 1/10 of the benchmark) and every parent page must make exactly the
same number of queries on both: nothing grows with the data.
"""
from bench import dataset
from bench.queries import page_query_counts
from tests.fixtures.app_db import _empty_all_tables

# Home is the largest: a query per panel (20 since issue 18: the receipts of a spoedbericht
# shown in full are one insert after the render, the consent prompt one query).
MAX_QUERIES = 20


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


# Beheer › Afwezigheid on the benchmark school: (label, login, page). A Wednesday in term.
ABSENCE_NOW = "2026-12-02 08:20"
OFFICE, TEACHER = "beheer@bench.example", "juf4@bench.example"
ABSENCE_PAGES = [
    ("Daglijst, kantoor (alle groepen)", OFFICE, "/beheer/afwezigheid"),
    ("Daglijst, leerkracht", TEACHER, "/beheer/afwezigheid"),
    ("Daglijst, andere dag", OFFICE, "/beheer/afwezigheid?dag=2026-11-24"),
    ("Afwezigheid per leerling", OFFICE, "/beheer/afwezigheid/leerlingen"),
    ("Verlofaanvragen", OFFICE, "/beheer/afwezigheid/verlof"),
    ("Beheer (start), leerkracht", TEACHER, "/beheer/"),
]


def absence_query_counts(app):
    from bench.queries import login
    from tests.fixtures.queries import count_queries

    counts, clients = {}, {}
    for label, login_name, path in ABSENCE_PAGES:
        if login_name not in clients:
            clients[login_name] = app.test_client()
            login(clients[login_name], login_name, dataset.BENCH_PASSWORD)
        client = clients[login_name]
        client.get(path)  # warm caches (templates, the login lookup) outside the count
        counts[label] = count_queries(client, path)
    return counts, clients


def test_absence_staff_pages_do_not_grow_with_the_data(app):
    """The day list of every group, the counts per pupil and the leave list: the same queries
    on a school 1/50 of the benchmark's size as on the benchmark school itself."""
    app.config["PRETEND_NOW"] = ABSENCE_NOW
    dataset.populate(app, scale=0.02)
    small, _ = absence_query_counts(app)
    _empty_all_tables()
    counts = dataset.populate(app, scale=1.0)
    assert counts["absence_reports"] > 1000 and counts["leave_requests"] >= 100
    large, clients = absence_query_counts(app)
    day_list = clients[OFFICE].get("/beheer/afwezigheid").get_data(as_text=True)
    assert "Groep 8b" in day_list and "na aanvang" in day_list and "tot nader bericht" in day_list
    assert "melden bij DUO" in clients[OFFICE].get("/beheer/afwezigheid/leerlingen").get_data(as_text=True)
    assert small == large, {page: (small[page], large[page]) for page in small if small[page] != large[page]}
    too_many = {page: count for page, count in large.items() if count > MAX_QUERIES}
    assert not too_many, f"pages above {MAX_QUERIES} queries: {too_many}"
