"""Home: the next agenda items the user may see (bounded: a limit and one selectin)."""
from app.agenda.services import upcoming_for_home
from app.home.panels import Panel

HOME_LIMIT = 5


def home_panels(user):
    return [Panel(order=30, template="agenda/_home_panel.html", context={"items": upcoming_for_home(user, HOME_LIMIT)})]
