"""Home: the most recent published news the user may read (one bounded query)."""
from app.home.panels import Panel
from app.news.services import recent_news

HOME_LIMIT = 3


def home_panels(user):
    return [Panel(order=40, template="news/_home_panel.html", context={"items": recent_news(user, HOME_LIMIT)})]
