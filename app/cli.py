"""Flask CLI commands: `flask --app wsgi demo-data`, `sessions clean`, `notifications …`."""
import click
from sqlalchemy import func, select


def register_cli(app):
    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Alleen als er nog geen accounts zijn.")
    def demo_data(if_empty):
        """Vul de database met een voorbeeldschool (idempotent)."""
        from app.demo import run_demo
        from app.extensions import db
        from app.models import User

        if if_empty and db.session.scalar(select(func.count()).select_from(User)):
            click.echo("demo-data: de database heeft al accounts; niets gedaan.")
            return
        run_demo(echo=click.echo)
        click.echo("demo-data: klaar. Inloggen kan met de demo-accounts uit README.md.")

    @app.cli.command("sort-names")
    def sort_names():
        """Bereken de sorteersleutel van elke naam opnieuw (na een wijziging van app/names.py)."""
        from app.extensions import db
        from app.models import Child, User
        from app.names import sort_key

        changed = 0
        for model in (User, Child):
            for person in db.session.scalars(select(model)):
                key = sort_key(person.first_name, person.last_name, getattr(person, "login_name", ""))
                if person.sort_name != key:
                    person.sort_name = key
                    changed += 1
        db.session.commit()
        click.echo(f"sort-names: {changed} sorteersleutels bijgewerkt.")

    @app.cli.group("sessions")
    def sessions_group():
        """Inlogsessies."""

    @sessions_group.command("clean")
    def sessions_clean():
        """Verwijder de gegevens van sessies die vanzelf zijn verlopen (bijvoorbeeld dagelijks)."""
        from app.auth.sessions import clean

        click.echo(f"sessions: {clean()} verlopen sessie(s) verwijderd.")

    from app.notifications.cli import register as register_notifications_cli

    register_notifications_cli(app)
