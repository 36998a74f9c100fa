"""Home: the parent's meeting invitations (order 50, after news).

While a round is open: each invited child with its time or "Nog geen tijd". After
closing the final time stays until the meeting has ended; a child without a time stays
until the round's last day is over, with whom to contact. Decided on app.clock."""
from app import clock
from app.home.panels import Panel
from app.meetings.services import invitations_for_parent


def home_panels(user):
    if not user.is_parent:
        return []
    now = clock.now()
    invitations = [item for item in invitations_for_parent(user) if item.still_ahead(now)]
    if not invitations:
        return []
    return [Panel(order=50, template="meetings/_home_panel.html", context={"invitations": invitations})]
