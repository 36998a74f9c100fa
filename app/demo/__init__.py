"""Demo data: `flask --app wsgi demo-data` fills an empty database with a believable school.

Each module of this package adds one part (people first, then what builds on them) and
exposes `seed(ctx)`. Every step is idempotent: run twice, the school is the same.
"""
import importlib
import random

from app.extensions import db

# Order matters: later steps use what earlier ones made.
STEPS = ["people", "profiles", "content", "messages_albums", "meetings", "admin", "consent", "absence",
         "conversations"]

DEMO_PASSWORD = "Demo!2026"


class DemoContext:
    """What the steps share: a seeded random generator and the people made."""

    def __init__(self, seed=2026):
        self.random = random.Random(seed)
        self.created = {}


def run_demo(echo=print):
    ctx = DemoContext()
    for name in STEPS:
        importlib.import_module(f"app.demo.{name}").seed(ctx)
        db.session.commit()
        echo(f"demo-data: {name} klaar")
    return ctx
