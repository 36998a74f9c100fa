"""Home panels of Berichten: current spoedberichten on top (order 0), recent messages (20).
A spoedbericht shown here in full counts as read."""
from flask import after_this_request, has_request_context

from app.home.panels import Panel
from app.messages import services
from app.markdown import render_markdown


def home_panels(user):
    urgent = services.current_urgent_for(user)
    recent = services.recent_for(user, exclude_ids=[message.id for message, _ in urgent])
    # Home shows a spoedbericht in full: seen here, it is read (Berichten says so too). The
    # badge "Ongelezen" still shows this once, to say it is new. The receipts are written
    # after the page is rendered: a commit now would expire what the other panels loaded.
    new = [message for message, is_read in urgent if not is_read]
    unread = max(0, services.unread_count(user) - len(new))
    if new and has_request_context():
        @after_this_request
        def _record_reads(response):
            services.mark_all_read(user, new)
            return response
    elif new:
        services.mark_all_read(user, new)
    panels = []
    if urgent:
        # Shown in full: a spoedbericht is short and must not need a click.
        shown = [(message, is_read, render_markdown(message.text)) for message, is_read in urgent]
        panels.append(Panel(0, "messages/_home_urgent.html", {"urgent": shown}))
    panels.append(Panel(20, "messages/_home_recent.html", {"recent": recent, "unread": unread}))
    return panels
