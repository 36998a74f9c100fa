"""Flask CLI commands: `flask --app wsgi demo-data`, `sessions clean`, `retention`, `notifications …`,
`storage migrate|check`, `backup create|restore|check` (app/backup.py)."""
import click
from sqlalchemy import func, select
from app.formatting import count_nl


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

    _register_upkeep(app)
    from app.backup import register as register_backup_cli
    from app.notifications.cli import register as register_notifications_cli
    from app.storage.cli import register as register_storage_cli

    register_backup_cli(app)
    register_notifications_cli(app)
    register_storage_cli(app)


def _register_upkeep(app):
    """The commands a deployment runs on a schedule: sessions and retention."""
    @app.cli.group("sessions")
    def sessions_group():
        """Inlogsessies."""

    @sessions_group.command("clean")
    def sessions_clean():
        """Verwijder de gegevens van sessies die vanzelf zijn verlopen (bijvoorbeeld dagelijks)."""
        from app.auth.sessions import clean

        click.echo(f"sessions: {clean()} verlopen sessie(s) verwijderd.")

    @app.cli.command("retention")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Doe alsof het deze datum is (JJJJ-MM-DD); standaard vandaag.")
    @click.option("--dry-run", is_flag=True, help="Toon alleen wie aan de beurt is; wis niets.")
    def retention(today, dry_run):
        """Wis de gegevens van oud-leerlingen van wie de bewaartermijn voorbij is (zoals elke nacht)."""
        from app.admin.retention import run_retention
        from app.extensions import db
        from app.models import Child

        run = run_retention(today.date() if today else None, dry_run=dry_run)
        if dry_run:
            click.echo(f"retention: bewaartermijn {run.years} jaar; {count_nl(len(run.due), 'oud-leerling')} aan de beurt "
                       f"op {run.today.isoformat()} (niets gewist):")
            for child_id in run.due:
                child = db.session.get(Child, child_id)
                click.echo(f"  #{child.id} {child.name}, uitgeschreven op {child.left_at.isoformat()}")
            return
        click.echo(f"retention: {count_nl(run.pupils, 'oud-leerling')} en {count_nl(run.accounts, 'ouderaccount')} gewist"
                   + (f", {run.failed} mislukt (zie het log)" if run.failed else "") + ".")
