"""bench/queries: database queries per parent page, on the large dataset and a small one.

Logs in as the benchmark parent (two children in two groups) and counts the SQL
statements each parent page makes. The same pages are counted on a school 1/20 of the
size: a page whose count differs would grow with the data (an N+1 or an unbounded list).

    python bench/queries.py [--reuse]

tests/test_query_counts.py runs the same comparison on two small datasets of this shape.
"""
import argparse
import re
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402

# (label, list page, regex of a detail link on it, or None)
PAGES = [
    ("Home", "/", None),
    ("Mijn kinderen", "/kinderen/", r'href="(/kinderen/\d+)"'),
    ("Nieuws", "/nieuws/", r'href="(/nieuws/\d+)"'),
    ("Agenda", "/agenda/", None),
    ("Documenten", "/documenten/", None),
    ("Berichten", "/berichten", r'href="(/berichten/\d+)"'),
    ("Fotoalbums", "/fotoalbums", r'href="(/fotoalbums/\d+)"'),
    ("Foto's van mijn kind", "/fotoalbums", r'href="(/fotoalbums/kind/\d+)"'),
    ("Toestemming", "/kinderen/toestemming", r'href="(/kinderen/\d+/toestemming)"'),
    ("Oudergesprekken", "/oudergesprekken/", r'href="(/oudergesprekken/\d+/kind/\d+)"'),
    ("Groepen", "/groepen/", r'href="(/groepen/\d+)"'),
    ("Mijn account", "/account/", None),
]


@contextmanager
def counting(engine):
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def login(client, name, password):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": name, "password": password, "csrf_token": token})
    assert response.status_code == 302, "benchmark parent could not log in"


def page_query_counts(app, login_name=dataset.BENCH_PARENT, password=dataset.BENCH_PASSWORD):
    """{page label: queries} for every parent page (list and one detail page each)."""
    from app.extensions import db

    client = app.test_client()
    login(client, login_name, password)
    counts = {}
    with app.app_context():
        engine = db.engine
    for label, path, detail in PAGES:
        client.get(path)  # warm caches (templates, the login lookup) outside the count
        with counting(engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        counts[label] = len(statements)
        if detail:
            found = re.search(detail, response.get_data(as_text=True))
            if found:
                client.get(found.group(1))
                with counting(engine) as statements:
                    response = client.get(found.group(1))
                assert response.status_code == 200, f"{found.group(1)}: {response.status_code}"
                counts[f"{label} (detail)"] = len(statements)
    return counts


def counts_for(url, scale):
    dataset.fresh_database(url)
    dataset.build(url, scale=scale)
    return page_query_counts(dataset.bench_app(url))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    from config import database_url

    small_url = f"sqlite:///{dataset.OUT / 'queries-small.sqlite'}"
    large_url = database_url(dataset.default_database_url())
    small = counts_for(small_url, 0.05)
    large = counts_for(large_url, 1.0)
    print("bench/queries: SQL statements per parent page (benchmark parent, two children)")
    print(f"{'page':30s} {'small school':>13s} {'large school':>13s}  verdict")
    for label in large:
        verdict = "same" if small.get(label) == large[label] else "GROWS WITH THE DATA"
        print(f"{label:30s} {small.get(label, '-'):>13} {large[label]:>13}  {verdict}")
    return small, large


if __name__ == "__main__":
    main()
