"""`flask --app wsgi notifications daily|weekly|send|status`: the batches by hand.

They run in this process (no worker needed) and send over SMTP, or to the outbox without
MAIL_SERVER. Safe to run while the worker runs too: nothing is sent twice.
"""
import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Notificatie-e-mail: batches met de hand draaien.")

NOW_HELP = ('Doe alsof het dit moment is (Europe/Amsterdam), bv. "2030-01-16 17:31". '
            "Alleen om te testen; standaard: nu.")


def _echo(name, result):
    click.echo(f"{name}: {result.summary()}")


@notifications_cli.command("daily")
@click.option("--now", "now", default=None, help=NOW_HELP)
def daily(now):
    """De avondbatch: spoedberichten en nieuwe fotoalbums van vandaag (na 17:30)."""
    from app.jobs.notifications import run_daily

    _echo("daily", run_daily(now))


@notifications_cli.command("weekly")
@click.option("--now", "now", default=None, help=NOW_HELP)
def weekly(now):
    """Het weekoverzicht: nieuws en algemene berichten (woensdag na 17:30)."""
    from app.jobs.notifications import run_weekly

    _echo("weekly", run_weekly(now))


@notifications_cli.command("send")
def send():
    """Verstuur wat in de wachtrij staat (ook mislukte pogingen waarvan de wachttijd om is)."""
    from app.jobs.notifications import send_pending_job

    _echo("send", send_pending_job())


@notifications_cli.command("status")
def status():
    """Hoeveel e-mails staan in welke toestand."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import DELIVERY_STATES, NotificationDelivery

    counts = dict(db.session.execute(
        select(NotificationDelivery.state, func.count()).group_by(NotificationDelivery.state)
    ).all())
    for state, label in DELIVERY_STATES.items():
        click.echo(f"{label}: {counts.get(state, 0)}")


def register(app):
    app.cli.add_command(notifications_cli)
