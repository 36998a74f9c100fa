"""Demo people: the groups 1/2a to 8, their teachers, the office and ~40 families."""
from datetime import date

from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Child, Group, Guardianship, Role, User, utcnow
from app.passwords import hash_password

GROUPS = [("1/2a", 1), ("1/2b", 1), ("3", 3), ("4", 4), ("5", 5), ("6", 6), ("7", 7), ("8", 8)]
TEACHERS = [
    ("juf.anna@schutkampen.example", "Anna", "de Vries", ["3"]),
    ("juf.mieke@schutkampen.example", "Mieke", "Jansen", ["1/2a"]),
    ("juf.sanne@schutkampen.example", "Sanne", "Bakker", ["1/2b"]),
    ("meester.tom@schutkampen.example", "Tom", "Visser", ["4"]),
    ("juf.linda@schutkampen.example", "Linda", "Smit", ["5"]),
    ("meester.joost@schutkampen.example", "Joost", "Meijer", ["6"]),
    ("juf.esther@schutkampen.example", "Esther", "Mulder", ["7"]),
    ("meester.bram@schutkampen.example", "Bram", "de Boer", ["8"]),
]
SURNAMES = ["Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "de Wit", "Dijkstra",
            "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Berg",
            "van der Linden", "Koster", "Prins", "Huisman", "Post", "Kuipers", "Veenstra", "Kramer",
            "van Leeuwen", "Schouten", "Willems", "Hoekstra", "Timmermans", "Gerritsen", "Groen",
            "Bosman", "Wouters", "Verhoeven", "Maas", "Evers", "Sanders", "Boer"]
CHILD_NAMES = ["Emma", "Noah", "Julia", "Liam", "Mila", "Luuk", "Tess", "Finn", "Sophie", "Daan",
               "Zoë", "Sem", "Nora", "Lucas", "Saar", "Levi", "Fleur", "Jesse", "Evi", "Milan",
               "Anna", "Thijs", "Lieke", "Ruben", "Isa", "Mees", "Roos", "Bram", "Femke", "Gijs",
               "Yara", "Jens", "Lina", "Siem", "Noor", "Hugo", "Lana", "Stijn", "Jill", "Teun"]
PARENT_FIRST = ["Marieke", "Jeroen", "Sanne", "Mark", "Ilse", "Bas", "Linda", "Rob", "Eva", "Martijn",
                "Kim", "Dennis", "Anouk", "Erik", "Petra", "Niels", "Esther", "Joris", "Inge", "Wouter"]


def _user(login, first, last, role, password_hash):
    user = db.session.scalar(select(User).where(User.login_name == login))
    if user is None:
        user = User(login_name=login, email=login, first_name=first, last_name=last, role=role,
                    password_hash=password_hash, activated_at=utcnow())
        db.session.add(user)
    return user


def _child(first, last, birth, group):
    child = db.session.scalar(select(Child).where(Child.first_name == first, Child.last_name == last))
    if child is None:
        child = Child(first_name=first, last_name=last, birth_date=birth, group=group)
        db.session.add(child)
    return child


def _link(parent, child, read_only=False):
    db.session.flush()
    if db.session.get(Guardianship, (parent.id, child.id)) is None:
        db.session.add(Guardianship(parent=parent, child=child, read_only=read_only))


def birth_date_for(level, rnd):
    # Groep 3 is 6–7 years old in the school year 2026–2027.
    year = 2026 - (level + 3) - (1 if level == 1 and rnd.random() < .5 else 0)
    return date(year, rnd.randint(1, 12), rnd.randint(1, 28))


def seed(ctx):
    rnd = ctx.random
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account: fast
    groups = {}
    for order, (name, level) in enumerate(GROUPS):
        group = db.session.scalar(select(Group).where(Group.name == name))
        if group is None:
            group = Group(name=name, level=level, sort_order=order, school_year="2026-2027")
            db.session.add(group)
        groups[name] = group

    admin = _user("beheer@schutkampen.example", "Karin", "Administratie", Role.ADMIN, password_hash)
    teachers = {}
    for login, first, last, group_names in TEACHERS:
        teacher = _user(login, first, last, Role.TEACHER, password_hash)
        for name in group_names:
            if teacher not in groups[name].teachers:
                groups[name].teachers.append(teacher)
        teachers[login] = teacher

    # The two demo parents of SPEC.md: Sam (groep 3) and Lotte (groep 6).
    parent = _user("ouder@example.nl", "Marloes", "Jansen", Role.PARENT, password_hash)
    parent2 = _user("ouder2@example.nl", "Peter", "Jansen", Role.PARENT, password_hash)
    sam = _child("Sam", "Jansen", date(2019, 10, 3), groups["3"])
    lotte = _child("Lotte", "Jansen", date(2016, 4, 21), groups["6"])
    _link(parent, sam)
    _link(parent, lotte)
    _link(parent2, sam, read_only=True)

    families = []
    group_names = list(groups)
    for index, surname in enumerate(SURNAMES):
        login = f"ouder.{surname.lower().replace(' ', '')}@example.nl"
        first = PARENT_FIRST[index % len(PARENT_FIRST)]
        mother = _user(login, first, surname, Role.PARENT, password_hash)
        family = [mother]
        if index % 3 != 0:  # two out of three families have a second parent with an own account
            other = PARENT_FIRST[(index + 7) % len(PARENT_FIRST)]
            family.append(_user(f"ouder2.{surname.lower().replace(' ', '')}@example.nl", other, surname,
                                 Role.PARENT, password_hash))
        kids = []
        for k in range(1 if index % 4 else 2):
            group_name = group_names[(index * 3 + k * 4) % len(group_names)]
            level = groups[group_name].level
            kid = _child(CHILD_NAMES[(index + k * 13) % len(CHILD_NAMES)], surname,
                         birth_date_for(level, rnd), groups[group_name])
            kids.append(kid)
            for p in family:
                _link(p, kid)
        families.append((family, kids))

    ctx.created.update(admin=admin, teachers=teachers, groups=groups, parent=parent, parent2=parent2,
                       sam=sam, lotte=lotte, families=families)
