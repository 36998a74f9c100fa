"""Gesprekken' pages make a bounded number of queries (tests/test_query_counts.py's habit):
the parent's list and thread, Beheer's list (all, unanswered, per group) and thread, and
Beheer's start page with its counts, built twice — small and several times larger (more
groups, children, conversations and messages) — must make exactly the same number of
queries on both, and stay under the pages' limit.
"""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import Conversation, ConversationMessage, ConversationRead
from tests.factories import AdminFactory, ChildFactory, GroupFactory, GuardianshipFactory, TeacherFactory, family
from tests.fixtures.app_db import _empty_all_tables
from tests.fixtures.queries import count_queries
from tests.test_query_counts import MAX_QUERIES

NOW = "2026-12-02 10:00"  # a Wednesday inside the working hours


def _conversation(child, parent, staff, with_whom, messages, private=False, answered=True, read=True):
    now = clock.utcnow()
    conversation = Conversation(child_id=child.id, parent_id=parent.id, with_whom=with_whom, private=private,
                                subject=f"Vraag over {child.first_name} ({with_whom})", created_at=now,
                                last_message_at=now)
    db.session.add(conversation)
    for index in range(messages):
        moment = now - timedelta(hours=messages - index)
        by_staff = answered and index % 2 == 1
        db.session.add(ConversationMessage(conversation=conversation, author_id=(staff if by_staff else parent).id,
                                           by_staff=by_staff, text=f"Bericht {index}", created_at=moment,
                                           visible_at=moment))
    conversation.answered_at = now if answered and messages % 2 == 0 else None
    if read:
        db.session.flush()
        db.session.add(ConversationRead(conversation_id=conversation.id, user_id=staff.id,
                                        read_at=now - timedelta(hours=messages)))
    return conversation


def build(size):
    """`size` groups with a teacher each and one teacher of them all; a parent with a child in
    every group, each child with `size` conversations of `size + 1` messages, some private,
    some unanswered, some unread; another family per group with a conversation of its own."""
    teacher, admin = TeacherFactory(), AdminFactory()
    parent, other_parent = None, None
    first = None
    for number in range(size):
        group = GroupFactory()
        own_teacher = TeacherFactory()
        group.teachers.extend([teacher, own_teacher])
        if parent is None:
            child, (parent, other_parent) = family(group, parents=2)
        else:
            child = ChildFactory(group=group, last_name=parent.last_name)
            GuardianshipFactory(parent=parent, child=child)
            GuardianshipFactory(parent=other_parent, child=child)
        for index in range(size):
            staff = admin if index % 2 else teacher
            made = _conversation(child, parent, staff, "administratie" if index % 2 else "leerkracht", size + 1,
                                 private=index == 1, answered=index % 3 != 2, read=index % 2 == 0)
            first = first or made
        neighbour, (neighbour_parent,) = family(group)
        _conversation(neighbour, neighbour_parent, teacher, "leerkracht", 2)
    db.session.commit()
    return {"parent": parent, "teacher": teacher, "admin": admin, "first": first.id,
            "group": first.child.group_id}


def pages(people):
    conversation, group = people["first"], people["group"]
    return [
        ("Gesprekken, ouder", "parent", "/gesprekken"),
        ("Nieuw gesprek, ouder", "parent", "/gesprekken/nieuw"),
        ("Gesprek, ouder", "parent", f"/gesprekken/{conversation}"),
        ("Gesprekken, leerkracht", "teacher", "/beheer/gesprekken"),
        ("Gesprekken onbeantwoord, leerkracht", "teacher", "/beheer/gesprekken?open=1"),
        ("Gesprekken per groep, leerkracht", "teacher", f"/beheer/gesprekken?open=1&groep={group}"),
        ("Gesprek, leerkracht", "teacher", f"/beheer/gesprekken/{conversation}"),
        ("Gesprekken, kantoor", "admin", "/beheer/gesprekken"),
        ("Gesprek, kantoor", "admin", f"/beheer/gesprekken/{conversation}"),
        ("Beheer (start), leerkracht", "teacher", "/beheer/"),
        ("Beheer (start), kantoor", "admin", "/beheer/"),
    ]


def query_counts(people, login_as):
    clients = {role: login_as(people[role]) for role in ("parent", "teacher", "admin")}
    counts, shown = {}, {}
    for label, role, path in pages(people):
        shown[label] = clients[role].get(path).get_data(as_text=True)  # also warms the caches
        counts[label] = count_queries(clients[role], path)
    return counts, shown


def test_conversation_pages_do_not_grow_with_the_data(app, login_as):
    app.config["PRETEND_NOW"] = NOW
    try:
        small, _ = query_counts(build(2), login_as)
        _empty_all_tables()
        large, shown = query_counts(build(6), login_as)
    finally:
        app.config.pop("PRETEND_NOW", None)
    # The larger school's pages are full: a page of 20 conversations, a long thread, counts.
    assert shown["Gesprekken, ouder"].count('class="card conversation-row') == 20
    assert shown["Gesprekken, kantoor"].count('class="card conversation-row') == 20
    assert shown["Gesprekken, leerkracht"].count('class="card conversation-row') == 20
    assert shown["Gesprek, leerkracht"].count('<li class="reply"') == 7
    assert "gesprekken wachten op antwoord" in shown["Beheer (start), leerkracht"]
    assert shown["Beheer (start), kantoor"].count("onbeantwoord</a></li>") == 6
    assert small == large, {page: (small[page], large[page]) for page in small if small[page] != large[page]}
    too_many = {page: count for page, count in large.items() if count > MAX_QUERIES}
    assert not too_many, f"pages above {MAX_QUERIES} queries: {too_many}"
