"""Home: the children absent today (order 15, the first panel of the grid).

A parent whose child has a report that runs today sees it ("Lotte is ziek gemeld sinds
... tot nader bericht") with "Weer beter melden" (a writable link, the report started)
and a link to Afwezigheid (Home is rendered afresh on every visit, so a new report
shows at once).
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
