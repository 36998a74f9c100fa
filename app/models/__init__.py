"""All models, one module per domain. Importing this package registers every table.

Each domain module lists its models in __all__; add new modules to the list below.
"""
from app.models.base import utcnow  # noqa: F401
from app.models.people import (  # noqa: F401
    AccountToken,
    Child,
    ContactNumber,
    Group,
    Guardianship,
    LoginSession,
    Role,
    User,
    group_teachers,
)
from app.models.media import *  # noqa: F401,F403,E402
from app.models.privacy import *  # noqa: F401,F403,E402
from app.models.notes import *  # noqa: F401,F403,E402
from app.models.content import *  # noqa: F401,F403,E402
from app.models.messages import *  # noqa: F401,F403,E402
from app.models.albums import *  # noqa: F401,F403,E402
from app.models.consent import *  # noqa: F401,F403,E402
from app.models.absence import *  # noqa: F401,F403,E402
from app.models.conversations import *  # noqa: F401,F403,E402
from app.models.meetings import *  # noqa: F401,F403,E402
from app.models.notifications import *  # noqa: F401,F403,E402
from app.models.admin import *  # noqa: F401,F403,E402
from app.models.history import *  # noqa: F401,F403,E402
