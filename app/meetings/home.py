"""Home: the parent's open meeting invitations (order 50, after news)."""
from app.home.panels import Panel
from app.meetings.services import invitations_for_parent
from app.models import ROUND_OPEN


def home_panels(user):
    if not user.is_parent:
        return []
    invitations = invitations_for_parent(user, statuses=(ROUND_OPEN,))
    if not invitations:
        return []
    return [Panel(order=50, template="meetings/_home_panel.html", context={"invitations": invitations})]
