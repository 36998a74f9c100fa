"""One page, two renderings: the full page, or only its fragment for an htmx request."""
from flask import make_response, render_template, request


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
