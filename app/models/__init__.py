"""All models, one module per domain. Importing this package registers every table."""
from app.models.base import utcnow  # noqa: F401
from app.models.people import (  # noqa: F401
    AccountToken,
    Child,
    Group,
    Guardianship,
    Role,
    User,
    group_teachers,
)
