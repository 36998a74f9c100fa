"""Stylesheets written into the page itself, allowed by their hash in the CSP.

On a phone (bench/phone.py: DevTools "Slow 4G", 562.5 ms a round trip, CPU 4× slower) an
external stylesheet is a second round trip before anything can be painted: the page, then
its render-blocking CSS. The portal's CSS is small (some 3 KB compressed per page), so each
page carries its own: `{{ stylesheet("home") }}` writes <style> with the contents of
app/static/css/home.css and records its sha256 for the response's Content-Security-Policy
(style-src 'self' 'sha256-...'; still no 'unsafe-inline'). The files stay under /static
for pages that link them (the database-unavailable page).
"""
import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, g
from markupsafe import Markup


@lru_cache(maxsize=64)
def _style(path, mtime):
    """(<style> element, CSP source) of one file, kept until the file changes."""
    css = Path(path).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return Markup(f"<style>{css}</style>"), f"'sha256-{digest}'"


def stylesheet(name):
    """The <style> element of app/static/css/<name>.css; its hash goes into this response's CSP."""
    path = Path(current_app.static_folder) / "css" / f"{name}.css"
    tag, source = _style(str(path), path.stat().st_mtime_ns)
    g.setdefault("style_sources", []).append(source)
    return tag


def style_sources():
    """The CSP sources of the styles this response wrote, e.g. " 'sha256-…' 'sha256-…'"."""
    return "".join(f" {source}" for source in dict.fromkeys(g.get("style_sources", ())))
