"""Home: the children absent today (order 15, the first panel of the grid).

A parent whose child has a report that runs today sees it ("Lotte is ziek gemeld sinds
... tot nader bericht") with "Weer beter melden" (a writable link, the report started)
and a link to Afwezigheid. Making or changing a report is a write, so the page cache
(app/pagecache.py raises its generation after every commit that wrote, whatever the
table) never serves a Home without it; a report that starts or ends with the clock shows
within the minute the cache's key holds.
"""
from app.absence.parents import reports_today
from app.home.panels import Panel


def home_panels(user):
    if not user.is_parent:
        return []
    views = reports_today(user)
    if not views:
        return []
    return [Panel(order=15, template="absence/_home_panel.html", context={"views": views})]
