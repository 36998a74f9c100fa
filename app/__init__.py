"""The application factory: extensions, blueprints, error pages, security headers, CLI."""
import copy
import importlib
import importlib.util
import logging
import os
from pathlib import Path

from flask import Flask, current_app, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError

from app import logs, monitoring, request_input
from app.extensions import compress, csrf, db, end_read_only_transaction, limiter, login_manager, mail, migrate

log = logging.getLogger(__name__)


def create_app(config=None, **overrides):
    """Build the app. `config` is a config class (default: config.Config)."""
    from config import Config

    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    app.config.from_object(config or Config)
    app.config.update(overrides)
    _check_production_settings(app)
    _bound_database_waits(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # First: the bounded <int:> converter before any route, the NUL check before any hook
    # (but for the request id and the request's log line, app/logs.py).
    request_input.init_app(app)
    logs.init_app(app)
    monitoring.init_app(app)

    db.init_app(app)
    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_close_session_quietly)
    migrate.init_app(app, db)
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    _configure_login(app)

    from app import models  # noqa: F401  (registers every table)
    from app import settings

    settings.init_app(app)

    _register_blueprints(app)
    _register_notification_kinds()
    _register_template_helpers(app)
    _register_security_headers(app)
    _register_error_pages(app)

    from app.cli import register_cli

    register_cli(app)

    @app.get("/ping")
    def ping():
        """No database, no template: the framework's floor in bench/pages, and a liveness probe."""
        return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}

    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy: take the client's IP (rate limits) and scheme from it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _check_production_settings(app):
    """Refuse to run a real deployment with settings that are only safe on a laptop."""
    from config import DEVELOPMENT_SECRET_KEY, is_production

    app.config["PRODUCTION"] = is_production(app.config["ENV_NAME"])
    if app.config["PRODUCTION"] and app.config.get("SECRET_KEY") in (None, "", DEVELOPMENT_SECRET_KEY):
        # Anyone can read the development key in this repository and so sign a session
        # cookie for any account: better not to start at all.
        raise RuntimeError(
            f"Refusing to start: PORTAL_ENV={app.config['ENV_NAME']!r} is a production setting, but "
            "SECRET_KEY is not set (or is the development value from config.py). Set SECRET_KEY to a "
            "long random value, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def _bound_database_waits(app):
    """A PostgreSQL that does not answer costs a request DATABASE_CONNECT_TIMEOUT seconds,
    then the 503 page, not a hang (pool_pre_ping, config.py, replaces connections that a
    restart of the database closed)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = copy.deepcopy(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("connect_args", {}).setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_login(app):
    from app.auth import sessions

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # The cookie holds the login session's id, not the user's (app/auth/sessions.py).
    login_manager.id_attribute = "get_session_id"
    login_manager.user_loader(sessions.load)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, g, redirect, url_for

        from app.auth.expired import session_answer
        from app.htmx import htmx_redirect, is_htmx

        if is_htmx():  # an inline action: a message in place, not a page htmx would drop
            return session_answer()
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request") == "true":  # boosted: a navigation, so go there
            response = htmx_redirect(target)
            response.status_code = 401
            return response
        ended = g.get("login_session_ended")
        flash(sessions.ENDED_MESSAGES[ended] if ended else login_manager.login_message, "info")
        return redirect(target)


def _register_blueprints(app):
    """One package per menu item: `bp` for the parents' side, `staff_bp` for its Beheer pages."""
    from app import (
        absence, account, admin, agenda, albums, auth, children, consent, conversations, documents, groups, home,
        meetings, messages, news, notifications, staff,
    )

    for module in (auth, home, account, staff, children, consent, groups, news, agenda, documents, messages,
                   conversations, albums, meetings, absence, notifications, admin):
        # The views register on the package's blueprints when imported; only the factory
        # imports them (the architecture contracts check that nothing else does).
        for views in ("routes", "staff_routes"):
            if importlib.util.find_spec(f"{module.__name__}.{views}") is not None:
                importlib.import_module(f"{module.__name__}.{views}")
        for attribute in ("bp", "staff_bp"):
            blueprint = getattr(module, attribute, None)
            if blueprint is not None:
                app.register_blueprint(blueprint)


def _register_notification_kinds():
    """Fill the catalog of notification kinds (app/notifications/catalog.py): each module's
    mail.py registers its kinds when imported (once per process), for the web process and
    the worker alike."""
    from app.absence import mail as _absence  # noqa: F401
    from app.albums import mail as _albums  # noqa: F401
    from app.consent import mail as _consent  # noqa: F401
    from app.conversations import mail as _conversations  # noqa: F401
    from app.meetings import mail as _meetings  # noqa: F401
    from app.messages import mail as _messages  # noqa: F401
    from app.news import mail as _news  # noqa: F401
    from app.privacy import mail as _privacy  # noqa: F401


def _register_template_helpers(app):
    """Every Jinja filter and global of the templates, here and nowhere else."""
    from app import formatting, markdown, names, styles
    from app.documents import files
    from app.menu import menu_for, staff_sections

    app.jinja_env.filters.update({
        # Dates and times in Dutch, in Amsterdam time (app/formatting.py).
        "datum": formatting.date_nl,
        "datum_kort": formatting.date_short_nl,
        "tijd": formatting.time_nl,
        "datumtijd": formatting.datetime_nl,
        "maand": formatting.month_heading_nl,
        # Texts of news items and messages: sanitised Markdown (app/markdown.py).
        "markdown": markdown.render_markdown,
        "uittreksel": markdown.plain_excerpt,
        # Names of people: the one display function and the one order (app/names.py).
        "op_naam": names.sorted_by_name,
        # Documenten: "240 kB", "1,4 MB" (app/documents/files.py).
        "bestandsgrootte": files.size_label,
        # Counts with the right Dutch plural: {{ n|aantal('foto') }} (app/formatting.py).
        "aantal": formatting.count_nl,
    })
    app.jinja_env.globals["display_name"] = names.display_name
    app.jinja_env.globals["document_kind_label"] = files.kind_label
    app.jinja_env.globals["stylesheet"] = styles.stylesheet

    @app.context_processor
    def portal_context():
        from app.settings import school_details

        # Name and contact details as the office set them (Beheer > Instellingen).
        school = school_details()
        return {
            "school_name": school["name"],
            "school_contact": school,
            "menu_for": menu_for,
            "staff_sections": staff_sections,
        }


def _register_security_headers(app):
    from app.storage import get_storage, storage_from_config
    from app.styles import style_sources

    storage_from_config(app.config)  # a wrong STORAGE_URL or STORAGE_SERVE stops the app here

    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data:{files}; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def security_headers(response):
        # With STORAGE_SERVE=redirect, images come from the object store's presigned URLs.
        if request.endpoint == "static":
            # A stylesheet or script: no document, so only what applies to it (a phone pays
            # for every header byte of every file, bench/phone.py).
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response
        origin = get_storage().image_origin()
        response.headers.setdefault("Content-Security-Policy", csp.format(
            files=f" {origin}" if origin else "", styles=style_sources()))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["PRODUCTION"]:
            # https only from now on (browsers ignore this header on plain http, and on
            # 127.0.0.1 in development it would pin the laptop's localhost to https).
            response.headers["Strict-Transport-Security"] = f"max-age={app.config['HSTS_MAX_AGE']}"
        if request.endpoint and request.endpoint != "static" and "Cache-Control" not in response.headers:
            # Pages hold personal data: no shared caches, no back-button copies after logout.
            response.headers["Cache-Control"] = "no-store"
        return response


def _register_error_pages(app):
    from flask_wtf.csrf import CSRFError

    from app.auth.expired import csrf_answer
    from app.htmx import is_htmx, problem
    from app.request_input import too_large_wording
    from app.storage import StorageError

    def page(status, title, text):
        if is_htmx():  # htmx swaps no error page: the message goes where the action was
            return problem("error", status, text)
        return render_template("errors/error.html", status=status, title=title, text=text), status

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, "Ongeldig verzoek", "Het verzoek kon niet worden verwerkt.")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if is_htmx():
            return csrf_answer()
        return page(400, "Formulier verlopen",
                    "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens.")

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, "Geen toegang", "U heeft geen toegang tot deze pagina.")

    @app.errorhandler(404)
    def not_found(error):
        return page(404, "Pagina niet gevonden", "Deze pagina bestaat niet of u heeft er geen toegang toe.")

    @app.errorhandler(405)
    def method_not_allowed(error):
        return page(405, "Niet toegestaan", "Deze actie is op deze pagina niet mogelijk.")

    @app.errorhandler(413)
    def too_large(error):
        return page(413, *too_large_wording(app.config.get("MAX_CONTENT_LENGTH")))

    @app.errorhandler(429)
    def too_many(error):
        if getattr(error, "response", None) is not None:  # a limit's own page (on_breach)
            return error.response
        return page(429, "Te veel pogingen",
                    "U heeft het te vaak geprobeerd. Wacht een paar minuten en probeer het dan opnieuw.")

    @app.errorhandler(StorageError)
    def storage_away(error):
        # The object store is away (an image or a download): Dutch, and no 500.
        return page(503, "Even niet beschikbaar", str(error))

    @app.errorhandler(500)
    def server_error(error):
        return page(500, "Er ging iets mis", "Er ging iets mis. Probeer het later nog eens.")

    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)


def _close_session_quietly(exc=None):
    """End the request's session without letting a dead connection become a 500.

    When the database restarts under a request, the rollback at teardown raises (psycopg's
    AdminShutdown) after the response was made, and gunicorn would answer its own plain
    500 instead. The connection is invalidated instead (the pool replaces it) and the
    registry cleared, so Flask-SQLAlchemy's own teardown finds nothing left to close.
    A request that only read commits first (app/extensions.py: the prepared statements stay)."""
    try:
        if exc is None and db.session.registry.has():
            end_read_only_transaction(db.session())
        db.session.remove()
    except Exception:  # noqa: BLE001
        log.warning("closing the database session failed; its connection is dropped")
        try:
            db.session().invalidate()
        except Exception:  # noqa: BLE001
            pass
        db.session.registry.clear()


def _database_unavailable(error):
    """The database went away during the request (a restart, a failover): a friendly 503
    page that itself asks the database nothing (no base.html, no user, no school settings);
    the session is rolled back, so the next request starts clean on a fresh connection."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone; the pool replaces it)
        pass
    cause = getattr(error, "orig", None) or error
    log.warning("database unavailable: %s.%s", type(cause).__module__, type(cause).__name__)
    body = current_app.jinja_env.get_template("errors/unavailable.html").render(
        school_name=current_app.config["SCHOOL_NAME"], title="Even niet bereikbaar",
        text="Het ouderportaal kan uw verzoek nu even niet verwerken. Probeer het over een minuut "
             "opnieuw. Wilde u iets opslaan? Kijk dan daarna even of het bewaard is.",
    )
    return body, 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "30"}
