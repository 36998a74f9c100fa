"""`make run`: the portal on this laptop, saying where it is once it is up.

Port and host from PORT and HOST (`make run PORT=5104`); PORTAL_URL — the base of the links
in e-mails — follows the address served unless it is set, so a mail's link opens the
portal that sent it. The socket is bound before the banner is printed: the address shown
answers. Werkzeug's threaded server, no reloader (as `flask run` did here).
"""
import os
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
# The demo accounts of `flask demo-data` (README.md, Demo accounts), shown when they exist.
DEMO_LOGINS = [
    ("beheer@schutkampen.example", "beheerder (schooladministratie)"),
    ("juf.anna@schutkampen.example", "leerkracht van groep 3"),
    ("ouder@example.nl", "ouder van Sam (groep 3) en Lotte (groep 6)"),
    ("ouder2@example.nl", "de andere ouder van Sam, alleen lezen"),
]


def address(environ):
    """(host, port) to serve on, from HOST and PORT; a PORT that is no number is an error."""
    host = environ.get("HOST") or DEFAULT_HOST
    raw = environ.get("PORT") or str(DEFAULT_PORT)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"PORT moet een poortnummer zijn (1–65535), niet {raw!r}.")
    return host, int(raw)


def portal_url(environ, host, port):
    """PORTAL_URL as set, else the address served (0.0.0.0 is not an address to click)."""
    if environ.get("PORTAL_URL"):
        return environ["PORTAL_URL"].rstrip("/")
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}"


def banner(url, mail_url, logins, password):
    lines = ["", f"Het ouderportaal draait op {url}", f"Links in e-mails: {mail_url}"]
    if logins:
        lines.append(f"Demo-accounts (wachtwoord {password}):")
        width = max(len(name) for name, _ in logins)
        lines += [f"  {name.ljust(width)}  {role}" for name, role in logins]
    lines.append("Stoppen: Ctrl+C")
    return "\n".join(lines) + "\n"


def existing_logins(app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User

    with app.app_context():
        found = set(db.session.scalars(select(User.login_name).where(
            User.login_name.in_([name for name, _ in DEMO_LOGINS]))))
    return [(name, role) for name, role in DEMO_LOGINS if name in found]


def main():
    host, port = address(os.environ)
    os.environ["PORTAL_URL"] = portal_url(os.environ, host, port)  # before the config is read
    from werkzeug.serving import make_server

    from app import create_app
    from app.demo import DEMO_PASSWORD

    app = create_app()
    server = make_server(host, port, app, threaded=True)  # bound: the address answers now
    served = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{server.server_port}"
    sys.stdout.write(banner(served, app.config["PORTAL_URL"], existing_logins(app), DEMO_PASSWORD))
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
