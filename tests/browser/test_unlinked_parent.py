"""A parent not yet linked to a child, on a phone (issue 17): Home and Mijn kinderen say so
and whom to call, the manual is one tap away; 360 px and axe-core."""
from app.extensions import db
from app.settings import set_setting
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import ParentFactory, stored_document


def test_not_linked_on_a_phone(mobile_page, app):
    page = mobile_page
    set_setting("school.phone", "0341-123456")
    set_setting("school.email", "administratie@schutkampen.example")
    db.session.commit()
    stored_document(title="Handleiding Mijn School voor ouders", filename="handleiding.pdf", school_wide=True)
    login(page, ParentFactory())
    for path in ("/", "/kinderen/"):
        page.goto(path)
        notice = page.locator(".not-linked")
        assert "Uw account is nog niet aan een kind gekoppeld." in notice.inner_text()
        assert notice.get_by_role("link", name="0341-123456").get_attribute("href") == "tel:0341-123456"
        assert_fits(page)
        assert_accessible(page)
    page.locator(".not-linked").get_by_role("link", name="Documenten").click()
    page.get_by_text("Handleiding Mijn School voor ouders").wait_for()
    assert_fits(page)
    assert not page.js_errors
