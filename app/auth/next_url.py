"""Where the login sends someone afterwards (`next`): only a path on this site, so a link
cannot turn the login into an open redirect."""
from urllib.parse import urlsplit


def safe_next(target):
    """Only a path on this site: no scheme, no host, no protocol-relative tricks."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
