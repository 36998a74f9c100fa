"""bench/phone_spa: the single-page app bench/phone.py compares the portal with.

A seeded synthetic 1 MiB minified-looking JavaScript bundle: many small generated modules
(functions, objects, classes, element factories, switches) with varied identifiers and
literals, whose compressibility resembles real minified JS (gzip -6 shrinks it ~3.5x;
React DOM's and lodash's minified builds shrink 3-3.2x), each module run at start as a
bundler's runtime does; then it fetches a small JSON and renders a heading and a list, and
sets the `app:rendered` mark. index.html loads it with <script defer> in <head> and has
an empty <div id=root>, as SPAs do. serve() sends the files from a small local HTTP/1.1
server, gzipped when the browser accepts it.

    python bench/phone_spa.py   # the bundle's size, gzipped size and ratio
"""
import gzip
import json
import random
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import free_port  # noqa: E402

BUNDLE_BYTES = 1024 * 1024


WORDS = ("button click value state props render item list label title error loading disabled "
         "visible selected active index count total page size width height offset items data user "
         "name type key ref children style class change format parse update create remove insert "
         "query filter sort map reduce current next prev first last open close toggle submit cancel "
         "message route path params location history store action dispatch payload effect memo "
         "context provider theme color border margin padding focus blur input select option group "
         "panel modal dialog menu header footer content wrapper container layout grid row column "
         "cell table body text icon image avatar badge tooltip popover status pending success "
         "failed retry timeout request response cache token session locale date time").split()
TAGS = ("div", "span", "button", "ul", "li", "a", "p", "section", "input", "label", "svg")
LOCALS = "etnroiasulcdfp"


class Gen:
    """Seeded pieces of minified-looking JavaScript."""

    def __init__(self, seed=2026):
        self.rnd = random.Random(seed)

    def word(self):
        return self.rnd.choice(WORDS)

    def prop(self):
        return self.word() + (self.word().capitalize() if self.rnd.random() < 0.4 else "")

    def ident(self, taken):
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
        while True:
            name = "".join(self.rnd.choice(alphabet) for _ in range(self.rnd.choice((1, 2, 2, 3))))
            if name not in taken and name not in LOCALS and name not in ("do", "if", "in", "h"):
                taken.add(name)
                return name

    def num(self):
        r, rnd = self.rnd.random(), self.rnd
        return str(rnd.randint(0, 99)) if r < 0.5 else hex(rnd.randint(256, 65535)) if r < 0.7 else str(
            rnd.randint(100, 999999))

    def text(self, low=1, high=4):
        sep = self.rnd.choice((" ", "-", "_", ""))
        return sep.join(self.word() for _ in range(self.rnd.randint(low, high)))

    def declaration(self, name):
        """One top-level declaration; the 'fn' kind is safe to call with (number, string)."""
        r, p, n, s = self.rnd, self.prop, self.num, self.text
        kind = r.choice(("fn", "fn", "obj", "cls", "el", "sw", "err"))
        if kind == "fn":
            return kind, (f'function {name}(e,t){{var n=e&&e.{p()};if(null==n)return t+"{s()}";'
                          f'for(var r=0;r<{r.randint(2, 9)};r++)n=n+{n()}*r;return"{s()}"===t?n:n+{n()}}}')
        if kind == "obj":
            return kind, (f'var {name}={{{p()}:"{s()}",{p()}:{n()},{p()}:["{s(1, 2)}","{s(1, 2)}"],'
                          f'{p()}:!{r.randint(0, 1)},{p()}:function(e){{return e*{n()}}}}}')
        if kind == "cls":
            a, b = p(), p()
            return kind, (f"var {name}=function(){{function e(t){{this.{a}=t,this.{b}={n()}}}"
                          f"return e.prototype.{p()}=function(t){{return this.{a}+t+this.{b}}},e}}()")
        if kind == "el":
            return kind, (f'function {name}(e){{return h("{r.choice(TAGS)}",{{className:"{s(1, 3)}",'
                          f'{p()}:e.{p()}}},h("{r.choice(TAGS)}",null,"{s(2, 5)}"),'
                          f'e.{p()}?h("{r.choice(TAGS)}",{{id:"{s(1, 2)}"}}):null)}}')
        if kind == "sw":
            cases = "".join(f'case {n()}:return"{s()}";' for _ in range(r.randint(2, 6)))
            return kind, f'function {name}(e){{switch(e){{{cases}default:return"{s()}"}}}}'
        return kind, f'function {name}(e){{if(!e)throw new Error("{s(4, 9)}");return e}}'

    def module(self, index):
        taken, decls, exports, calls = set(), [], [], []
        for _ in range(self.rnd.randint(3, 9)):
            name = self.ident(taken)
            kind, code = self.declaration(name)
            decls.append(code)
            exports.append(f"{self.prop()}:{name}")
            if kind == "fn":
                calls.append(f'e.exports.{self.prop()}={name}({self.num()},"{self.text(1, 2)}")')
        if index:
            calls.append(f"t({self.rnd.randrange(index)})")
        body = ";".join(decls + ["e.exports={" + ",".join(exports) + "}"] + calls)
        return f"__d({index},function(e,t){{{body}}});"


SPA_START = ("function h(t,p){return{t:t,p:p,c:[].slice.call(arguments,2)}}"
             "var __m={},__c={};function __d(i,f){__m[i]=f}"
             "function __r(i){if(__c[i])return __c[i].exports;var m=__c[i]={exports:{}};"
             "return __m[i](m,__r),m.exports}")
SPA_RENDER = ('for(var i=0;i<%d;i++)__r(i);fetch("/api/items.json").then(function(r){return r.json()})'
              '.then(function(d){var o=document.getElementById("root"),t=document.createElement("h1");'
              't.textContent=d.title,o.appendChild(t);var u=document.createElement("ul");'
              'd.items.forEach(function(x){var l=document.createElement("li");'
              'l.textContent=x.name+" \\u2013 "+x.when,u.appendChild(l)}),o.appendChild(u),'
              'performance.mark("app:rendered")})')
SPA_INDEX = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
             '<meta name="viewport" content="width=device-width,initial-scale=1"><title>School app</title>'
             '<script defer src="/assets/app.js"></script></head><body><div id="root"></div></body></html>')


def bundle(size=BUNDLE_BYTES, seed=2026):
    gen, parts, length = Gen(seed), [], 0
    while length < size - 600:
        part = gen.module(len(parts))
        parts.append(part)
        length += len(part)
    code = "!function(){" + SPA_START + "".join(parts) + SPA_RENDER % len(parts) + "}();"
    return code.encode()


FLOOR_INDEX = ('<!doctype html><html lang="nl"><head><meta charset="utf-8">'
               '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Floor</title>'
               '<link rel="stylesheet" href="/floor/portal.css"><script defer src="/floor/ready.js"></script>'
               '</head><body><main class="content"><h1>Welkom</h1><p>Eén kop, één alinea.</p></main></body></html>')


def floor_files(stylesheet):
    """The floor: a heading and a paragraph with the portal's own stylesheet and one deferred
    script; no server-rendered page with an external stylesheet paints sooner."""
    return {"/floor/": ("text/html; charset=utf-8", FLOOR_INDEX.encode()),
            "/floor/portal.css": ("text/css; charset=utf-8", stylesheet),
            "/floor/ready.js": ("application/javascript", b'performance.mark("app:rendered");')}


def files():
    items = [{"name": f"Gesprek {i + 1}", "when": f"di 10 maart {15 + i // 6}:{i % 6 * 10:02d}"}
             for i in range(12)]
    data = json.dumps({"title": "Oudergesprekken", "items": items}).encode()
    return {"/": ("text/html; charset=utf-8", SPA_INDEX.encode()),
            "/assets/app.js": ("application/javascript", bundle()),
            "/api/items.json": ("application/json", data)}


def serve(files):
    """A small HTTP/1.1 server for the SPA, gzip when the browser accepts it; returns (server, url)."""
    packed = {path: (kind, body, gzip.compress(body, compresslevel=6, mtime=0))
              for path, (kind, body) in files.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path not in packed:
                self.send_error(404)
                return
            kind, body, zipped = packed[self.path]
            use_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-cache")
            if use_gzip:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(zipped if use_gzip else body)))
            self.end_headers()
            self.wfile.write(zipped if use_gzip else body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


if __name__ == "__main__":
    code = bundle()
    packed = len(gzip.compress(code, compresslevel=6, mtime=0))
    print(f"bundle {len(code):,} bytes, gzip -6 {packed:,} bytes, ratio {len(code) / packed:.2f}")
