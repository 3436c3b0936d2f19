"""The API docs page (Swagger UI from drf-spectacular-sidecar) works in a real browser without a CDN."""
import pytest
from playwright.sync_api import expect

from tests.browser_helpers import browser, log_in, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_renders_every_endpoint_from_our_own_server(page, merchant):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    log_in(page, merchant)
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="ml-connector API")).to_be_visible()
    expect(page.get_by_text("/api/v1/records/{id}/replay/")).to_be_visible()
    expect(page.locator("#operations-v1-v1_tokens_create")).to_be_visible()
    assert requested_hosts == {page.base_url.split("/")[2]}  # nothing from a CDN


def test_an_anonymous_visitor_is_sent_to_the_login_page(page, db):
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
