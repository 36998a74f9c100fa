"""What Home shows, collected from the modules.

Each module that has something for Home provides `app/<module>/home.py` with
`home_panels(user) -> list[Panel]`. Home sorts them by `order`: spoedberichten first
(order 0), the consent prompt (5), then the children absent today (15), messages (20),
agenda (30), news (40) and meeting invitations (50).
Each panel renders its own partial template with its own context.
"""
import importlib
from dataclasses import dataclass, field

PROVIDERS = ("messages", "consent", "absence", "agenda", "news", "meetings")


@dataclass
class Panel:
    order: int
    template: str
    context: dict = field(default_factory=dict)


def panels_for(user):
    panels = []
    for name in PROVIDERS:
        panels.extend(importlib.import_module(f"app.{name}.home").home_panels(user))
    return sorted(panels, key=lambda panel: panel.order)
