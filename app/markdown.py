"""Safe formatting for the texts of news items and messages: Markdown without raw HTML,
then sanitised by nh3 (the `markdown` and `uittreksel` filters, registered in app/__init__.py).

Raw HTML in the source is not interpreted at all (the Markdown HTML processors are
removed, so `<script>` shows up as text); nh3 then keeps only a short list of tags and
only http(s)/mailto links, as a second line of defence.
"""
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _converter():
    md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # Images would load from anywhere (and the CSP blocks them anyway): the news item has
    # its own checked image.
    md.inlinePatterns.deregister("image_link")
    md.inlinePatterns.deregister("image_reference")
    md.inlinePatterns.deregister("short_image_ref")
    return md


def _shift_headings(html):
    # The page title is the <h1>; a "# kop" in the text becomes a subheading.
    for level in (3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(f"</h{level}>", f"</h{level + 1}>")
    return html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")


@lru_cache(maxsize=1024)
def render_markdown(text):
    """Markdown source -> sanitised HTML (Markup), safe to put in a page as is.

    A pure function of the text, so it is remembered per process (about 1 ms each).
    """
    html = _shift_headings(_converter().convert(text or ""))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


@lru_cache(maxsize=4096)
def plain_excerpt(text, length=220):
    """A short plain-text preview of a Markdown text (for lists and Home)."""
    html = _converter().convert(text or "")
    plain = nh3.clean(html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    plain = plain.replace("&quot;", '"').replace("&#39;", "'")
    plain = " ".join(plain.split())
    if len(plain) <= length:
        return plain
    return plain[:length].rsplit(" ", 1)[0] + " …"
