"""Afwezigheid end to end: the parents' form, the report services and the mail kinds together
(each has its own tests; this one shows they are wired): a parent reports two children at
once through the page, and exactly the right people get mail, once."""
from collections import Counter

from app.jobs.notifications import run_due
from tests.absence_family import make_family, post, pretend
from tests.fixtures.mail import mail_text
from tests.test_absence_reports import NEW, form


def test_a_parent_reporting_two_children_through_the_page_mails_the_right_people_once(app, inline_smtp, smtp,
                                                                                       login_as):
    pretend(app, "2026-12-02 08:30")  # after the cut-off: the teachers are told at once in any case
    school = make_family()
    client = login_as(school["mother"])
    response = post(client, NEW, form(school, school["sam"], school["lotte"], open_ended=True), form_page=NEW)
    assert response.status_code == 302
    run_due()  # a second run (the minute tick) sends nothing again

    received = Counter(address.lower() for message in smtp.messages for address in message["to"])
    expected = Counter(person.email.lower() for person in
                       (school["mother"], school["reader"], school["anna"], school["bas"]))
    assert received == expected
    both = mail_text(smtp.to(school["mother"].email)[0])
    assert "Sam" in both and "Lotte" in both and "na aanvang" in both
    anna = mail_text(smtp.to(school["anna"].email)[0])
    assert "Sam" in anna and "Lotte" not in anna  # a teacher only hears of their own group's pupil
    assert not smtp.to(school["other"].email) and not smtp.to(school["office"].email)
