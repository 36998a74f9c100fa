"""A person's browser over real HTTP: a requests.Session that reads the forms of a page
(their hidden fields and CSRF token included) and posts them as a browser would.

No JavaScript: every form of the portal also works as a plain post (progressive
enhancement), and that is what is used here. Every answer is recorded in a `Tally`, so a
fault test can say how many requests it made and which were not 2xx.
"""
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

TIMEOUT = 30


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # (name, value) pairs, as a browser would send
    choices: dict = field(default_factory=dict)  # select/radio name -> [values]
    # Named submit buttons, (name, value): a browser sends the one pressed (the slot list has
    # one form per day and a button per free slot).
    buttons: list = field(default_factory=list)

    def values(self, **overrides):
        """The pairs a browser sends, with `overrides` (a list value: several pairs)."""
        data = [(name, value) for name, value in self.fields if name not in overrides]
        for name, value in overrides.items():
            if value is None:
                continue
            for item in (value if isinstance(value, (list, tuple)) else [value]):
                data.append((name, str(item)))
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attrs.get("action") or "", (attrs.get("method") or "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = attrs.get("name")
        if tag == "button" and name and (attrs.get("type") or "submit").lower() == "submit" \
                and "form" not in attrs and "disabled" not in attrs:
            form.buttons.append((name, attrs.get("value", "")))
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind == "submit":
                form.buttons.append((name, attrs.get("value", "")))
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    form.fields.append((name, attrs.get("value", "on")))
                return
            form.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "selected": None, "first": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value")
            self._option = {"value": value, "text": "", "selected": "selected" in attrs}
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            self._end_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._end_option()
            chosen = self._select["selected"] or self._select["first"]
            if chosen is not None:
                self.forms[-1].fields.append((self._select["name"], chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if text.startswith("\r\n"):  # a browser drops the newline right after <textarea>
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self.forms[-1].fields.append((name, text))
            self._textarea = None

    def _end_option(self):
        option, select = self._option, self._select
        value = option["value"] if option["value"] is not None else option["text"].strip()
        self.forms[-1].choices.setdefault(select["name"], []).append(value)
        if select["first"] is None:
            select["first"] = value
        if option["selected"]:
            select["selected"] = value
        self._option = None


def forms_of(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass
class Answer:
    at: float           # time.monotonic() when it came
    label: str          # who asked: "parent", "office", "teacher"
    method: str
    path: str
    status: int | None  # None: no answer (connection refused or cut)
    text: str           # a 5xx page (which error page it was)


class Tally:
    """Every request made and its answer, with the moment (thread-safe), so a fault test
    can count what happened while a fault lasted."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []

    def record(self, label, method, path, status, text=""):
        with self.lock:
            self.answers.append(Answer(time.monotonic(), label, method, path, status, (text or "")[:30000]))

    def between(self, start, end, label=None):
        with self.lock:
            return [a for a in self.answers if start <= a.at <= end and (label is None or a.label == label)]

    @property
    def requests(self):
        return Counter(answer.label for answer in self.answers)


class Browser:
    """One person's browser: cookies, the last page, forms posted as a person would."""

    def __init__(self, base_url, tally=None, label="page", user_agent="e2e"):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.tally = tally
        self.label = label
        self.page = None

    def url(self, path):
        return path if path.startswith("http") else self.base_url + path

    def request(self, method, path, label=None, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        try:
            response = self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException:
            if self.tally:
                self.tally.record(label or self.label, method, path, None, "connection error")
            raise
        if self.tally:
            text = response.text if response.status_code >= 500 else ""
            self.tally.record(label or self.label, method, path, response.status_code, text)
        if "text/html" in response.headers.get("Content-Type", ""):
            self.page = response
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def form(self, action=None, page=None, contains=None):
        """The form on the last page (or `page`) whose action ends with `action`, or which
        holds a field named `contains`."""
        page = page or self.page
        for form in forms_of(page.text):
            if action is not None and not urljoin(page.url, form.action).split("?")[0].endswith(action):
                continue
            if contains is not None and contains not in {name for name, _ in form.fields} | set(form.choices):
                continue
            return form
        raise AssertionError(f"no form {action or contains!r} on {page.url} ({page.status_code})")

    def submit(self, form, files=None, label=None, page=None, **values):
        page = page or self.page
        target = urljoin(page.url, form.action) if form.action else page.url
        if form.method == "get":
            return self.get(target, params=form.values(**values), label=label)
        return self.request("POST", target, data=form.values(**values), files=files, label=label)

    def fill(self, path, action=None, files=None, contains=None, label=None, **values):
        """GET a page, then submit its form: what a person does with most pages."""
        page = self.get(path, label=label)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
        return self.submit(self.form(action, contains=contains), files=files, label=label, **values)

    def login(self, username, password):
        response = self.fill("/login", "/login", username=username, password=password)
        assert response.status_code == 200 and "/login" not in response.url, (
            f"login of {username} failed: {response.status_code} {flash_text(response.text)}")
        return response

    def csrf_token(self):
        """The token of the last page (every page carries it for htmx)."""
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.page.text) or re.search(
            r'"X-CSRFToken": "([^"]+)"', self.page.text)
        assert found, "no CSRF token on the page"
        return found.group(1)


def flash_text(html):
    """The flash messages and error summary of a page, as text (for assertion messages)."""
    parts = re.findall(r'<(?:div|p|li)[^>]*class="[^"]*(?:flash|error)[^"]*"[^>]*>(.*?)</(?:div|p|li)>', html, re.S)
    return " | ".join(re.sub(r"<[^>]+>|\s+", " ", part).strip() for part in parts)


def links(html, pattern):
    """The hrefs/srcs of a page that match `pattern` (a regex), in order, without repeats."""
    seen = []
    for found in re.findall(r'(?:href|src)="([^"]+)"', html):
        if re.search(pattern, found) and found not in seen:
            seen.append(found)
    return seen
