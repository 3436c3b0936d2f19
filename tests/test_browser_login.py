"""The browser test infrastructure itself, on the first page every merchant sees: the login form."""
import pytest
from playwright.sync_api import expect

from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_a_merchant_logs_in_through_the_form_and_sees_their_connections(page, tenant, merchant_of):
    merchant_of(tenant, "shopkeeper")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("shopkeeper")
    page.get_by_label("Password").fill("pw-member-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My connections")).to_be_visible()
    expect(page.get_by_role("cell", name="Acme", exact=True)).to_be_visible()


def test_a_wrong_password_keeps_the_merchant_on_the_form_with_a_message(page, tenant, merchant_of):
    merchant_of(tenant, "shopkeeper")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("shopkeeper")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("enter a correct username and password")).to_be_visible()
    assert page.url.endswith("/accounts/login/")


def test_log_in_helper_gives_the_browser_a_session(page, staff):
    log_in(page, staff)
    page.goto("/admin/")
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()
