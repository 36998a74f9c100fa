"""The machinery of the input fuzz (tests/test_input_fuzz.py): crawl the app as a user,
collect the forms of every page, and send bad values into every URL part, query string and
form field. Kept apart from the test so the test reads as what it asserts."""
import ast
import html
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import flask_wtf
import wtforms
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.routing.converters import NumberConverter

from tests.fixtures.users import csrf_from

# What the fuzz sends.
BAD_INTS = [0, -1, 2**31, 2**63, 10**30]
NUL_VALUES = ["\x00", "a\x00b"]
FIELD_VALUES = {
    "newline": "Regel een\r\nRegel twee\nBcc: iemand@example.com",
    "long": "x" * 100_000,
    "int32": str(2**31),        # beyond PostgreSQL's integer
    "huge": str(10**30),        # beyond bigint and SQLite's integer
}
# Text fields get line breaks, length and a huge number; fields holding a number or a
# choice (selects, checkboxes, ids in hidden fields) get both huge numbers and length.
TEXT_VARIANTS = ("newline", "long", "huge")
NUMBER_VARIANTS = ("int32", "huge", "long")
NUMBER_KINDS = {"select", "checkbox", "radio", "number"}
QUERY_VALUES = [str(10**30), "\x00"]  # beyond every integer type, and the NUL byte
# Query-string names the app reads; the crawl adds every name it sees in links and GET forms.
QUERY_NAMES = {"pagina", "q", "groep", "leerling", "id", "soort", "status", "rol", "next", "eerder"}
EXAMPLES_PER_ENDPOINT = 1

# The titles of the Dutch error pages (app/__init__._register_error_pages, app/request_input.py)
# and of the auth link page, per status.
ERROR_TITLES = {
    400: ("Ongeldig verzoek", "Formulier verlopen", "Ongeldig teken"),
    403: ("Geen toegang",),
    404: ("Pagina niet gevonden", "Link niet bruikbaar"),
    405: ("Niet toegestaan",),
    413: ("Bestand te groot", "Tekst te lang", "Te groot om te versturen"),
    429: ("Te veel pogingen",),
}
# Pages that answer 4xx with a Dutch page of their own: a form with its errors (422), a
# conflict shown on the page (409), a link that no longer works (410).
PAGE_STATUSES = {409, 410, 422}


# --- WTForms' English messages ----------------------------------------------------------------

def english_messages():
    """Every message WTForms and Flask-WTF can show, read from their installed source: the
    string literals passed to gettext/ngettext, and the CSRF ValidationErrors."""
    found = set()
    for package in (wtforms, flask_wtf):
        for path in Path(package.__file__).parent.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("gettext", "ngettext") or (name == "ValidationError" and path.name == "csrf.py"):
                    found.update(arg.value for arg in node.args[:2]
                                 if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return sorted(found)


def message_pattern(message):
    """A regex matching the message with any value in its placeholders."""
    escaped = re.escape(message)
    return re.sub(r"%\\\(\w+\\\)[sd]|%s", ".*?", escaped)


ENGLISH = english_messages()
ENGLISH_RE = re.compile("|".join(message_pattern(m) for m in ENGLISH))


def english_in(text):
    match = ENGLISH_RE.search(html.unescape(text))
    return match.group(0) if match else None


# --- reading pages ------------------------------------------------------------------------------

@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: list = field(default_factory=list)  # [(name, value)] as a browser would send them
    names: list = field(default_factory=list)   # every field name, in order (also unchecked ones)
    kinds: dict = field(default_factory=dict)   # name -> input type, "select" or "textarea"

    def is_number(self, name):
        values = [v for n, v in self.fields if n == name]
        return self.kinds.get(name) in NUMBER_KINDS or bool(values) and all(v.isdigit() for v in values)


class PageParser(HTMLParser):
    """Links, and the forms with the values a browser would submit unchanged."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links = []
        self.forms = []
        self._form = None
        self._select = None  # (name, first option value, chosen value)
        self._option = None
        self._textarea = None  # [name, text]
        self._submit_seen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(self.page, (a.get("method") or "get").lower(), a.get("action") or self.page)
            self._submit_seen = False
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            name, value = a["name"], a.get("value", "")
            if kind == "file":
                return
            self._add_name(name, kind)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, value or "on"))
            elif kind in ("submit", "image", "button"):
                if kind == "submit" and not self._submit_seen:
                    self._submit_seen = True
                    self._form.fields.append((name, value))
            else:
                self._form.fields.append((name, value))
        elif tag == "button" and a.get("name") and (a.get("type") or "submit") == "submit":
            if not self._submit_seen:
                self._submit_seen = True
                self._add_name(a["name"], "submit")
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._submit_seen = True
        elif tag == "textarea" and a.get("name") and "disabled" not in a:
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._add_name(self._textarea[0], "textarea")
            self._form.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self._add_name(name, "select")
            value = chosen if chosen is not None else first
            if value is not None:
                self._form.fields.append((name, value))
            self._select = None
        elif tag == "form":
            self._form = None

    def _add_name(self, name, kind):
        if name not in self._form.names:
            self._form.names.append(name)
            self._form.kinds[name] = kind


def local_path(url, base="/"):
    """The path (and query) of a link within the app, or None for another site."""
    if not url or url.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc not in ("localhost", "localhost:80"):
        return None
    path = parts.path or base
    if not path.startswith("/"):
        path = base.rsplit("/", 1)[0] + "/" + path
    return path + (f"?{parts.query}" if parts.query else "")


# --- one user's view of the app ------------------------------------------------------------------

class Explorer:
    """Crawls the app as one client, then fuzzes what it found. Collects every problem."""

    def __init__(self, app, client, role):
        self.app = app
        self.client = client
        self.role = role
        self.adapter = app.url_map.bind("localhost")
        self.examples = defaultdict(list)   # endpoint -> [(path, view args)]
        self.forms = {}                      # endpoint -> Form (the first one seen)
        self.query_names = set(QUERY_NAMES)
        self.problems = []
        self.requests = 0
        self.token = None

    # -- the checks on every answer
    def check(self, response, what):
        self.requests += 1
        status = response.status_code
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        label = f"{self.role}: {what} → {status}"
        if status >= 500:
            self.problems.append(label)
            return
        if 400 <= status < 500:
            title = re.search(r"<title>(.*?)</title>", body, re.S)
            title = html.unescape(title.group(1)) if title else ""
            if status in ERROR_TITLES:
                if not title.startswith(ERROR_TITLES[status]):
                    self.problems.append(f"{label}: not the Dutch error page ({title or body[:80]!r})")
            elif status not in PAGE_STATUSES or '<html lang="nl">' not in body:
                self.problems.append(f"{label}: unexpected client error page ({title or body[:80]!r})")
        if body:
            english = english_in(body)
            if english:
                self.problems.append(f"{label}: English message {english!r}")
            if '="None"' in body:
                at = body.index('="None"')
                self.problems.append(f"{label}: attribute rendered as None: {body[max(0, at - 80):at + 7]!r}")

    def request(self, method, path, data=None, what=None):
        try:
            response = self.client.open(path, method=method, data=data)
        except Exception as exc:  # noqa: BLE001 - TESTING propagates the cause of a 500: report it
            self.requests += 1
            self.problems.append(f"{self.role}: {what or f'{method} {path!r}'} → {type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0][:200] if str(exc) else ''}")
            return None
        self.check(response, what or f"{method} {path!r}")
        return response

    def match(self, path, method="GET"):
        try:
            return self.adapter.match(urlsplit(path).path, method=method)
        except (HTTPException, RequestRedirect):
            return None, None

    # -- crawling
    def crawl(self, seeds=(), limit=600):
        """Visit Home, `seeds` (pages in a state the crawl would not find: always visited) and
        every page without arguments, then follow links: EXAMPLES_PER_ENDPOINT pages per
        endpoint. Records example URLs, the forms on the pages and the query names."""
        seeds = list(seeds)
        start = ["/", *seeds] + sorted(rule.rule for rule in self.app.url_map.iter_rules()
                                       if "GET" in rule.methods and not rule.arguments)
        queue, seen, followed = deque(start), set(), defaultdict(int)
        while queue and len(seen) < limit:
            path = queue.popleft()
            if path in seen:
                continue
            endpoint, args = self.match(path)
            if endpoint is None or endpoint == "static":
                continue
            known = self.examples[endpoint]
            if path not in seeds:
                if followed[endpoint] >= EXAMPLES_PER_ENDPOINT:
                    continue
                followed[endpoint] += 1
            seen.add(path)
            response = self.request("GET", path)
            if response is None:
                continue
            if response.status_code in (301, 302, 303):
                target = local_path(response.location, path)
                if target:
                    queue.append(target)
                continue
            if response.status_code != 200:
                continue
            known.append((path, args))
            if response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            if self.token is None and self.role != "anonymous":
                self.token = csrf_from(body)
            parser = PageParser(urlsplit(path).path)
            parser.feed(body)
            for link in parser.links:
                target = local_path(link, path)
                if target:
                    self.query_names.update(re.findall(r"[?&]([^=&]+)=", target))
                    queue.append(target)
            for form in parser.forms:
                if form.method == "get":
                    self.query_names.update(form.names)
                    continue
                action_endpoint, _ = self.match(local_path(form.action, path) or path, "POST")
                if action_endpoint and action_endpoint not in self.forms:
                    form.action = local_path(form.action, path)
                    self.forms[action_endpoint] = form
        if self.token is None:
            self.token = csrf_from(self.client.get("/login").get_data(as_text=True))

    # -- fuzzing URLs
    def example_path(self, rule):
        found = self.examples.get(rule.endpoint)
        if found:
            return found[0]
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            if kind == "AnyConverter":
                values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
            elif isinstance(converter, NumberConverter):
                values[name] = 1
            else:
                values[name] = "x"
        return rule.build(values, append_unknown=False)[1], values

    def fuzz_urls(self, rules):
        """Every rule, every method: each int part in turn with BAD_INTS (the others as a
        page showed them), each string part with a NUL byte. A logged-in role gets two of the
        numbers on rules its pages never reached (the visitor has checked all five there)."""
        for rule in rules:
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            _, args = self.example_path(rule)
            reached = self.examples.get(rule.endpoint) or rule.endpoint in self.forms
            ints = BAD_INTS if reached or self.role == "anonymous" else [0, 2**31]
            variants = []
            for name, converter in rule._converters.items():
                bad = ints if isinstance(converter, NumberConverter) else NUL_VALUES
                variants += [(name, value) for value in bad]
            if rule.endpoint == "static":
                variants = [("filename", value) for value in NUL_VALUES]
            for name, value in variants:
                path = build_raw(rule, {**args, name: value})
                for method in methods:
                    data = {"csrf_token": self.token} if method == "POST" else None
                    self.request(method, path, data, what=f"{method} {rule.rule} with {name}={value!r}")

    def fuzz_query(self):
        for endpoint, found in self.examples.items():
            if not found:
                continue
            path = found[0][0].split("?")[0]
            for value in QUERY_VALUES:
                query = urlencode({name: value for name in sorted(self.query_names)})
                self.request("GET", f"{path}?{query}", what=f"GET {path}?<every name>={value!r}")

    def fuzz_methods(self, rules):
        for rule in rules:
            path, _ = self.example_path(rule)
            method = "PUT" if "PUT" not in rule.methods else "PATCH"
            self.request(method, path, {"csrf_token": self.token})

    # -- fuzzing forms
    def fuzz_forms(self, skip=()):
        """Each form the pages showed: NUL bytes, then every field in turn with each of
        FIELD_VALUES (the other fields as the page filled them in). `skip`: endpoints not
        to fuzz (already done as another role, or ending the session)."""
        # Forms that end something (erase, delete, log out) last, so the session lives.
        ordered = sorted(self.forms.items(), key=lambda item: (is_final(item[0]), item[0]))
        for endpoint, form in ordered:
            if endpoint in skip:
                continue
            base = [(n, v) for n, v in form.fields if n != "csrf_token"]
            names, seen_shapes = [], set()
            for name in form.names:
                shape = re.sub(r"\d+", "N", name)
                if name != "csrf_token" and shape not in seen_shapes:
                    seen_shapes.add(shape)
                    names.append(name)
            # NUL in every field at once, and in a field's name.
            nul = [(n, "a\x00b") for n in names] + [("veld\x00", "x")]
            self.post(form, nul, f"POST {form.action} with NUL in every field")
            for name in names:
                for label in NUMBER_VARIANTS if form.is_number(name) else TEXT_VARIANTS:
                    value = FIELD_VALUES[label]
                    data = [(n, v) for n, v in base if n != name] + [(name, value)]
                    self.post(form, data, f"POST {form.action} [{endpoint}] with {name}={label}")

    def post(self, form, fields, what):
        data = defaultdict(list)
        for name, value in fields:
            data[name].append(value)
        data["csrf_token"] = [self.token]
        self.request("POST", form.action, dict(data), what=what)

    def still_logged_in(self):
        response = self.client.get("/")
        return response.status_code == 200


FINAL_WORDS = ("verwijder", "delete", "erase", "deactivate", "logout", "remove", "unlink")


def is_final(endpoint):
    return any(word in endpoint for word in FINAL_WORDS)


def build_raw(rule, values):
    """The rule's URL with values put in as they are (werkzeug's converters would refuse a
    negative number or quote a NUL byte differently than a browser would send it)."""
    path = rule.rule
    for name, converter in rule._converters.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", str(values[name]).replace("\x00", "%00"), path)
    return path
