"""Berichten: who sees which message, posting (audience, bad input, notification event),
replies (refused, private to author and staff), read status, and bounded queries."""
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Message, MessageRead, MessageReply, NotificationEvent, message_groups, utcnow
from tests.fixtures.users import Auth
from tests.factories import AdminFactory, GroupFactory, MessageFactory, family, teacher_of
from tests.fixtures.queries import count_queries


@pytest.fixture
def school(app):
    """Groups 3 (own), 6 (where the other parent's child is) and 8 (nobody here)."""
    own, other, third = GroupFactory(name="3"), GroupFactory(name="6"), GroupFactory(name="8")
    child, (parent_in, second_parent) = family(own, parents=2)
    _, (parent_out,) = family(other)
    _, (classmate_parent,) = family(own)
    people = {
        "parent_in": parent_in,
        "parent_out": parent_out,
        "teacher_own": teacher_of(own),
        "teacher_other": teacher_of(other),
        "office": AdminFactory(),
    }
    items = {
        "school": MessageFactory(title="Schoolbericht", school_wide=True),
        "own": MessageFactory(title="Groep-3-bericht", groups=[own]),
        "other": MessageFactory(title="Groep-8-bericht", groups=[third]),
    }
    return {"groups": (own, other, third), "people": people, "items": items, "child": child,
            "second_parent": second_parent, "classmate_parent": classmate_parent}


VISIBLE = {
    "parent_in": {"school", "own"},
    "parent_out": {"school"},
    "teacher_own": {"school", "own"},
    "teacher_other": {"school"},
    "office": {"school", "own", "other"},
}


def post_form(client, path, data, headers=None):
    """POST through the page's own form (its CSRF token)."""
    data = dict(data)
    data.setdefault("csrf_token", Auth(client).csrf("/berichten"))
    return client.post(path, data=data, headers=headers or {})


# --- visibility ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", list(VISIBLE))
def test_visibility_matrix_list_and_detail(school, login_as, who):
    client = login_as(school["people"][who])
    listing = client.get("/berichten").get_data(as_text=True)
    for name, message in school["items"].items():
        expected = name in VISIBLE[who]
        assert (message.title in listing) == expected, (who, name)
        status = client.get(f"/berichten/{message.id}").status_code
        assert status == (200 if expected else 404), (who, name)
        # Posting a reply by URL to a message one cannot see is a 404 as well.
        if not expected:
            response = client.post(f"/berichten/{message.id}/reageren",
                                   data={"text": "hoi", "csrf_token": Auth(client).csrf("/berichten")})
            assert response.status_code == 404


def test_former_pupil_parent_sees_nothing(school, login_as):
    child = school["child"]
    child.left_at = utcnow().date()
    db.session.commit()
    client = login_as(school["second_parent"])
    listing = client.get("/berichten").get_data(as_text=True)
    assert "Schoolbericht" not in listing
    assert client.get(f"/berichten/{school['items']['school'].id}").status_code == 404


def test_staff_pages_only_for_messages_one_manages(school, login_as):
    own, other, third = school["groups"]
    teacher_own = login_as(school["people"]["teacher_own"])
    teacher_other = login_as(school["people"]["teacher_other"])
    parent = login_as(school["people"]["parent_in"])
    office = login_as(school["people"]["office"])
    own_item = school["items"]["own"]
    assert "Groep-3-bericht" in teacher_own.get("/beheer/berichten").get_data(as_text=True)
    # The school-wide message is the office's: not in a teacher's Beheer list.
    assert "Schoolbericht" not in teacher_own.get("/beheer/berichten").get_data(as_text=True)
    assert teacher_own.get(f"/beheer/berichten/{own_item.id}").status_code == 200
    for path in (f"/beheer/berichten/{own_item.id}", f"/beheer/berichten/{own_item.id}/wijzigen"):
        assert teacher_other.get(path).status_code == 404
    assert teacher_own.get(f"/beheer/berichten/{school['items']['school'].id}").status_code == 404
    response = teacher_other.post(f"/beheer/berichten/{own_item.id}/verwijderen",
                                  data={"csrf_token": Auth(teacher_other).csrf("/beheer/berichten")})
    assert response.status_code == 404
    assert db.session.get(Message, own_item.id) is not None
    assert parent.get("/beheer/berichten").status_code == 403
    assert parent.get(f"/beheer/berichten/{own_item.id}").status_code == 403
    listing = office.get("/beheer/berichten").get_data(as_text=True)
    assert all(title in listing for title in ("Schoolbericht", "Groep-3-bericht", "Groep-8-bericht"))


# --- posting ------------------------------------------------------------------------------

def _message_data(**overrides):
    data = {"title": "Luizencontrole", "text": "Woensdag is er **luizencontrole**.", "replies_allowed": "y"}
    data.update(overrides)
    return data


def test_teacher_posts_for_own_group_and_the_event_is_recorded(school, login_as):
    own = school["groups"][0]
    teacher = school["people"]["teacher_own"]
    client = login_as(teacher)
    response = post_form(client, "/beheer/berichten/nieuw", _message_data(groups=str(own.id)))
    assert response.status_code == 302
    message = db.session.scalar(select(Message).where(Message.title == "Luizencontrole"))
    assert [g.id for g in message.groups] == [own.id] and not message.school_wide
    assert message.author_id == teacher.id and message.replies_allowed and not message.urgent
    events = db.session.scalars(select(NotificationEvent)).all()
    assert [(e.kind, e.subject_type, e.subject_id, e.created_by_id) for e in events] == [
        ("message", "message", message.id, teacher.id)]
    # The parents of groep 3 see it; the parent of groep 6 does not.
    assert "Luizencontrole" in login_as(school["people"]["parent_in"]).get("/berichten").get_data(as_text=True)
    assert "Luizencontrole" not in login_as(school["people"]["parent_out"]).get("/berichten").get_data(as_text=True)


@pytest.mark.parametrize("audience, error", [
    ({"school_wide": "y"}, "Alleen de schooladministratie kan iets voor de hele school plaatsen."),
    ("other", "U kunt alleen iets plaatsen voor uw eigen groep(en)."),
    ("own+other", "U kunt alleen iets plaatsen voor uw eigen groep(en)."),
    ({}, "Kies de hele school of minstens één groep."),
])
def test_teacher_cannot_post_school_wide_or_for_another_group(school, login_as, audience, error):
    own, other, _ = school["groups"]
    client = login_as(school["people"]["teacher_own"])
    if audience == "other":
        audience = {"groups": str(other.id)}
    elif audience == "own+other":
        audience = {"groups": [str(own.id), str(other.id)]}
    page = client.get("/beheer/berichten/nieuw").get_data(as_text=True)
    assert "Hele school" not in page  # a teacher is not even offered the whole school
    response = post_form(client, "/beheer/berichten/nieuw", _message_data(**audience))
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Message.id)).where(Message.title == "Luizencontrole")) == 0
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0


def test_office_posts_an_urgent_school_wide_message(school, login_as):
    office = school["people"]["office"]
    client = login_as(office)
    response = post_form(client, "/beheer/berichten/nieuw",
                         _message_data(title="School morgen dicht", school_wide="y", urgent="y"))
    assert response.status_code == 302
    message = db.session.scalar(select(Message).where(Message.title == "School morgen dicht"))
    assert message.school_wide and message.urgent and message.groups == []
    event_ = db.session.scalar(select(NotificationEvent))
    assert (event_.kind, event_.subject_id) == ("urgent_message", message.id)


def test_teacher_cannot_move_own_message_to_another_group(school, login_as):
    own, other, _ = school["groups"]
    item = school["items"]["own"]
    client = login_as(school["people"]["teacher_own"])
    response = post_form(client, f"/beheer/berichten/{item.id}/wijzigen",
                         _message_data(title="Verplaatst", groups=str(other.id)))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Message, item.id).title == "Groep-3-bericht"
    assert [g.id for g in db.session.get(Message, item.id).groups] == [own.id]


@pytest.mark.parametrize("overrides, error", [
    ({"title": "   "}, "Vul een titel in."),
    ({"text": ""}, "Schrijf de tekst van het bericht."),
    ({"title": "x" * 201}, "De titel is te lang"),
])
def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(school, login_as, overrides, error):
    own = school["groups"][0]
    client = login_as(school["people"]["teacher_own"])
    before = db.session.scalar(select(func.count(Message.id)))
    response = post_form(client, "/beheer/berichten/nieuw", _message_data(groups=str(own.id), **overrides))
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Message.id))) == before
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0


def test_script_in_text_is_rendered_inert(school, login_as):
    own = school["groups"][0]
    client = login_as(school["people"]["teacher_own"])
    text = ('Hallo <script>alert("x")</script> en <img src=x onerror="alert(1)"> '
            'en [klik](javascript:alert(1)) en **vet**')
    post_form(client, "/beheer/berichten/nieuw", _message_data(groups=str(own.id), text=text))
    message = db.session.scalar(select(Message).where(Message.title == "Luizencontrole"))
    for viewer in (client, login_as(school["people"]["parent_in"])):
        for path in (f"/berichten/{message.id}", f"/beheer/berichten/{message.id}"):
            if viewer is not client and path.startswith("/beheer"):
                continue
            html = viewer.get(path).get_data(as_text=True)
            body = html.split('<div class="message-body">', 1)[1].split("</div>", 1)[0]
            assert "<script" not in body and "<img" not in body and "javascript:" not in body
            assert "&lt;script&gt;" in body  # shown as the text that was typed
            assert "<strong>vet</strong>" in html  # Markdown still works


# --- replies ------------------------------------------------------------------------------

def test_reply_refused_when_replies_are_not_allowed(school, login_as):
    message = school["items"]["own"]
    assert not message.replies_allowed
    client = login_as(school["people"]["parent_in"])
    page = client.get(f"/berichten/{message.id}").get_data(as_text=True)
    assert "Reactie versturen" not in page
    assert "Op dit bericht kunt u niet reageren." in page
    for headers, status in (({}, 403), ({"HX-Request": "true"}, 422)):  # htmx swaps a 422 into place
        response = post_form(client, f"/berichten/{message.id}/reageren", {"text": "Toch een reactie"}, headers)
        assert response.status_code == status
        assert "Op dit bericht kunt u niet reageren." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MessageReply.id))) == 0


def test_reply_without_javascript_and_who_sees_it(school, login_as):
    own = school["groups"][0]
    message = MessageFactory(title="Hulp gezocht", groups=[own], replies_allowed=True)
    author = school["people"]["parent_in"]
    client = login_as(author)
    response = post_form(client, f"/berichten/{message.id}/reageren", {"text": "Ik help graag <b>mee</b>!"})
    assert response.status_code == 302
    assert response.location.endswith(f"/berichten/{message.id}#reacties")
    page = client.get(f"/berichten/{message.id}").get_data(as_text=True)
    assert "Uw reactie is verstuurd" in page
    assert "Ik help graag &lt;b&gt;mee&lt;/b&gt;!" in page  # plain text, escaped
    reply = db.session.scalar(select(MessageReply))
    assert (reply.author_id, reply.message_id) == (author.id, message.id)

    # Other parents never see it: not a classmate's parent, not even the child's other parent.
    for other in (school["classmate_parent"], school["second_parent"]):
        other_page = login_as(other).get(f"/berichten/{message.id}").get_data(as_text=True)
        assert "Ik help graag" not in other_page
        assert "Reactie versturen" in other_page  # they can write their own
    # Staff who manage the message see it, with its author.
    for staff in ("teacher_own", "office"):
        staff_page = login_as(school["people"][staff]).get(f"/beheer/berichten/{message.id}").get_data(as_text=True)
        assert "Ik help graag &lt;b&gt;mee&lt;/b&gt;!" in staff_page
        assert str(escape(author.name)) in staff_page
    # A teacher of another group cannot open it at all.
    assert login_as(school["people"]["teacher_other"]).get(f"/beheer/berichten/{message.id}").status_code == 404


def test_inline_reply_answers_the_same_fragment(school, login_as):
    own = school["groups"][0]
    message = MessageFactory(title="Oproep", groups=[own], replies_allowed=True)
    client = login_as(school["people"]["parent_in"])
    response = post_form(client, f"/berichten/{message.id}/reageren", {"text": "Ja, ik kom."},
                         headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="reacties"') and "<html" not in html
    assert 'hx-target="this"' in html and "Ja, ik kom." in html and "Uw reactie is verstuurd." in html
    assert "HX-Request" in response.headers.get("Vary", "")
    # Empty reply: the fragment again with the Dutch error, status 422, nothing stored.
    response = post_form(client, f"/berichten/{message.id}/reageren", {"text": "  "},
                         headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Schrijf eerst uw reactie." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MessageReply.id))) == 1


def test_staff_do_not_reply_as_parents(school, login_as):
    own = school["groups"][0]
    message = MessageFactory(groups=[own], replies_allowed=True)
    client = login_as(school["people"]["teacher_own"])
    assert "Reactie versturen" not in client.get(f"/berichten/{message.id}").get_data(as_text=True)
    response = post_form(client, f"/berichten/{message.id}/reageren", {"text": "hoi"})
    assert response.status_code == 403


# --- read status --------------------------------------------------------------------------

def test_unread_marked_until_opened_and_staff_see_who_read(school, login_as):
    item = school["items"]["own"]
    parent = school["people"]["parent_in"]
    client = login_as(parent)
    listing = client.get("/berichten").get_data(as_text=True)
    assert "2 ongelezen" in listing  # school + own group
    assert listing.count("Ongelezen") == 2
    client.get(f"/berichten/{item.id}")
    client.get(f"/berichten/{item.id}")  # twice: still one receipt
    assert db.session.scalar(select(func.count(MessageRead.id))) == 1
    listing = client.get("/berichten").get_data(as_text=True)
    assert "1 ongelezen" in listing and listing.count("Ongelezen") == 1

    staff_page = login_as(school["people"]["teacher_own"]).get(f"/beheer/berichten/{item.id}").get_data(as_text=True)
    read_part = staff_page.split('class="plain-list read-list"', 1)[1].split("</ul>", 1)[0]
    unread_part = staff_page.split('class="plain-list unread-list"', 1)[1].split("</ul>", 1)[0]
    assert str(escape(parent.name)) in read_part  # the name as the page writes it ("van 't Riet")
    assert str(escape(school["second_parent"].name)) in unread_part
    assert str(escape(school["classmate_parent"].name)) in unread_part
    assert str(escape(school["people"]["parent_out"].name)) not in staff_page  # not in the audience
    assert "1 van 3 ouders" in staff_page
    # A teacher opening it does not count as a parent having read it.
    assert "Gelezen (1)" in staff_page


# --- bounded queries ----------------------------------------------------------------------

def add_messages(count, groups, author, readers=()):
    """Bulk-insert messages (half school-wide, half for the groups), some read, some replied."""
    start = utcnow() - timedelta(days=400)
    rows = [{"title": f"Bulk {n}", "text": "Tekst", "school_wide": n % 2 == 0, "urgent": n % 50 == 0,
             "replies_allowed": n % 3 == 0, "author_id": author.id,
             "created_at": start + timedelta(hours=n)} for n in range(count)]
    ids = list(db.session.scalars(insert(Message).returning(Message.id), rows))
    db.session.execute(insert(message_groups), [
        {"message_id": mid, "group_id": group.id} for n, mid in enumerate(ids) if n % 2 for group in groups])
    for reader in readers:
        db.session.execute(insert(MessageRead), [{"message_id": mid, "user_id": reader.id} for mid in ids[::4]])
        db.session.execute(insert(MessageReply), [
            {"message_id": mid, "author_id": reader.id, "text": "reactie"} for mid in ids[::9]])
    db.session.commit()


def test_list_pages_and_home_make_the_same_number_of_queries_for_10_and_1000(school, login_as):
    own, other, third = school["groups"]
    parent = school["people"]["parent_in"]
    office = school["people"]["office"]
    clients = {"parent": login_as(parent), "office": login_as(office),
               "teacher": login_as(school["people"]["teacher_own"])}
    paths = [("parent", "/berichten"), ("parent", "/"), ("office", "/berichten"), ("office", "/"),
             ("office", "/beheer/berichten"), ("teacher", "/beheer/berichten"), ("teacher", "/")]
    add_messages(10 - 3, [own, third], office, readers=[parent])
    few = {(who, path): count_queries(clients[who], path) for who, path in paths}
    add_messages(1000, [own, third], office, readers=[parent])
    many = {(who, path): count_queries(clients[who], path) for who, path in paths}
    assert many == few
    assert "Pagina 1 van" in clients["parent"].get("/berichten").get_data(as_text=True)


def test_message_list_is_paged_newest_first(school, login_as):
    own = school["groups"][0]
    start = utcnow() - timedelta(days=30)
    for n in range(25):
        MessageFactory(title=f"Reeks {n:02d}", groups=[own], created_at=start + timedelta(hours=n))
    client = login_as(school["people"]["parent_in"])
    first = client.get("/berichten").get_data(as_text=True)
    assert first.count('class="message-item') == 20 and "Pagina 1 van 2" in first
    assert first.index("Reeks 24") < first.index("Reeks 23")  # newest first
    second = client.get("/berichten?pagina=2").get_data(as_text=True)
    assert 'rel="prev"' in second and "Reeks 00" in second and "Reeks 24" not in second
    assert "Pagina 2 van 2" in client.get("/berichten?pagina=99").get_data(as_text=True)
