"""One page, two renderings: the full page, or only its fragment for an htmx request.

And what an htmx request gets when it fails (an ended session, a stale CSRF token, an
error page): htmx swaps no 4xx/5xx answer, so a whole error page would simply vanish and
a switch would look saved when it is not. Such a request gets a short Dutch message
instead, marked with the X-Portal-Problem header, which static/js/portal.js shows where
the action was (and it puts a switch back as stored).
"""
from urllib.parse import urlsplit

from flask import make_response, render_template, request, url_for

from app.auth.next_url import safe_next

# The header that marks an answer as a message for portal.js: its value is the kind
# ("session", "csrf", "error"), the body the message's HTML.
PROBLEM_HEADER = "X-Portal-Problem"


def is_htmx():
    """An htmx request that wants a fragment (boosted requests want the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(page, fragment=None, status=200, **context):
    template = fragment if (fragment and is_htmx()) else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def htmx_redirect(url):
    """htmx must not follow a 302 into a fragment: tell it to navigate instead."""
    response = make_response("", 200)
    response.headers["HX-Redirect"] = url
    return response


def source_page():
    """The page an htmx request was sent from (the path and query of HX-Current-URL), so a
    message can link back to it; Home when that is missing or not a path on this site.
    Never the request's own URL: that is often a POST-only address."""
    parts = urlsplit(request.headers.get("HX-Current-URL", ""))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path) or url_for("home.index")


def problem(kind, status, text, link=None, link_label=None):
    """The answer to a failed htmx request: a message to show in place, not a page."""
    response = make_response(render_template(
        "errors/_problem.html", text=text, link=link, link_label=link_label,
        # Only what changes something can be "not saved"; a refused search or poll cannot.
        not_saved=request.method not in ("GET", "HEAD"),
    ), status)
    response.headers[PROBLEM_HEADER] = kind
    response.vary.add("HX-Request")
    return response
