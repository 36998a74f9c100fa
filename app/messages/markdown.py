"""Safe formatting for message texts: Markdown rendered, then sanitised with nh3.

Raw HTML is never honoured: a "<" in the source is escaped before Markdown sees it, so
`<script>` shows up as the text that was typed. nh3 then keeps only a small set of tags
and attributes (defence in depth) and adds rel="noopener noreferrer" to links.
"""
import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4", "blockquote",
    "code", "pre", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(source):
    """Markdown source -> sanitised HTML (a Markup, safe to put in a template)."""
    text = (source or "").replace("<", "&lt;")
    html = md.markdown(text, extensions=["sane_lists", "nl2br"], output_format="html")
    # Headings of a message sit under the page's h1/h2: shift # and ## down to h3.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(clean)


def plain_excerpt(source, length=160):
    """A short plain-text preview (for lists and Home); the template escapes it."""
    import re

    text = re.sub(r"[#*_`>\[\]]", "", source or "")
    text = re.sub(r"\(https?://[^)]*\)", "", text)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"
