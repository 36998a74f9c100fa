"""Home: spoedberichten above everything, recent messages with unread marks, the children."""
from datetime import timedelta

from app.models import utcnow
from tests.factories import AdminFactory, GroupFactory, MessageFactory, family, teacher_of


def test_urgent_message_on_top_of_home_only_while_current(app, login_as):
    own, other = GroupFactory(name="3"), GroupFactory(name="6")
    child, (parent,) = family(own, first_name="Sam")
    _, (other_parent,) = family(other)
    MessageFactory(title="Gewoon bericht", school_wide=True, created_at=utcnow() - timedelta(hours=1))
    MessageFactory(title="Oude spoed", urgent=True, school_wide=True, created_at=utcnow() - timedelta(days=8))
    MessageFactory(title="Geen water vandaag", urgent=True, groups=[own], created_at=utcnow() - timedelta(hours=3))

    html = login_as(parent).get("/").get_data(as_text=True)
    main = html.split('<main id="inhoud"', 1)[1]
    urgent_at = main.index('id="spoed-kop"')
    # Above everything else on the page: the other panels and the children list.
    assert urgent_at < main.index('id="berichten-kop"') < main.index('id="kinderen-kop"')
    urgent_panel = main[urgent_at:main.index("</section>", urgent_at)]
    assert "Geen water vandaag" in urgent_panel and "Oude spoed" not in urgent_panel
    recent_panel = main[main.index('id="berichten-kop"'):]
    assert "Gewoon bericht" in recent_panel and "Oude spoed" in recent_panel
    assert "Geen water vandaag" not in recent_panel  # not twice
    assert "Sam" in main[main.index('id="kinderen-kop"'):]

    # A parent of another group gets no urgent panel for groep 3's message.
    other_html = login_as(other_parent).get("/").get_data(as_text=True)
    assert 'id="spoed-kop"' not in other_html and "Geen water vandaag" not in other_html


def test_unread_marked_on_home(app, login_as):
    own = GroupFactory(name="3")
    _, (parent,) = family(own)
    first = MessageFactory(title="Eerste", groups=[own])
    MessageFactory(title="Tweede", school_wide=True)
    client = login_as(parent)
    html = client.get("/").get_data(as_text=True)
    assert "2 ongelezen" in html
    client.get(f"/berichten/{first.id}")
    html = client.get("/").get_data(as_text=True)
    assert "1 ongelezen" in html
    assert "unread" not in item_class(html, "Eerste")
    assert "unread" in item_class(html, "Tweede")


def item_class(html, title):
    """The class attribute of the list item that links to the message `title`."""
    start = html.rindex("<li", 0, html.index(f">{title}<"))
    return html[start:html.index(">", start)]


def test_staff_home_has_messages_but_no_children_list(app, login_as):
    group = GroupFactory(name="3")
    teacher = teacher_of(group)
    MessageFactory(title="Voor groep 3", groups=[group])
    html = login_as(teacher).get("/").get_data(as_text=True)
    assert "Voor groep 3" in html and 'id="kinderen-kop"' not in html
    assert "Voor groep 3" in login_as(AdminFactory()).get("/").get_data(as_text=True)
