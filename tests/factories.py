"""factory_boy factories for test data. Passwords use bcrypt cost 4 (TestConfig)."""
from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.extensions import db
from app.models import Child, Group, Guardianship, Role, User, utcnow
from app.passwords import hash_password

PASSWORD = "Geheim!2026x"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    class Params:
        password = PASSWORD

    login_name = factory.Sequence(lambda n: f"ouder{n}@example.com")
    email = factory.SelfAttribute("login_name")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    role = Role.PARENT
    activated_at = factory.LazyFunction(utcnow)
    password_hash = factory.LazyAttribute(lambda o: hash_password(o.password) if o.password else None)


class ParentFactory(UserFactory):
    role = Role.PARENT


class TeacherFactory(UserFactory):
    login_name = factory.Sequence(lambda n: f"juf{n}@school.example")
    role = Role.TEACHER


class AdminFactory(UserFactory):
    login_name = factory.Sequence(lambda n: f"beheer{n}@school.example")
    role = Role.ADMIN


class GroupFactory(BaseFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"{(n % 8) + 1}{chr(97 + n // 8)}")
    level = factory.Sequence(lambda n: (n % 8) + 1)
    sort_order = factory.Sequence(lambda n: n)


class ChildFactory(BaseFactory):
    class Meta:
        model = Child

    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    birth_date = date(2019, 5, 17)
    group = factory.SubFactory(GroupFactory)


class GuardianshipFactory(BaseFactory):
    class Meta:
        model = Guardianship

    parent = factory.SubFactory(ParentFactory)
    child = factory.SubFactory(ChildFactory)
    read_only = False


def family(group=None, parents=1, read_only_second=False, **child_fields):
    """A child in `group` with its parent(s): returns (child, [parents])."""
    child = ChildFactory(group=group or GroupFactory(), **child_fields)
    people = []
    for index in range(parents):
        parent = ParentFactory(last_name=child.last_name)
        GuardianshipFactory(parent=parent, child=child, read_only=read_only_second and index == 1)
        people.append(parent)
    return child, people


def teacher_of(group, **fields):
    teacher = TeacherFactory(**fields)
    group.teachers.append(teacher)
    db.session.commit()
    return teacher
