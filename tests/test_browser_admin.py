"""The admin reads well at 1366x768: a record page within two screen heights with status and Replay on
the first screen, wrapping event messages, a list without sideways scrolling, sandbox models last."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import Status
from tests.audit_helpers import make_record
from tests.browser_helpers import VIEWPORT, browser, log_in, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG_ERROR = ("Acumatica refused the sales order: the customer's credit limit is exceeded and the order is on "
              "hold; raise the limit on the customer (AR303000) or release the hold, then replay the record.")


class Call:
    def __init__(self, n: int) -> None:
        self.method, self.status, self.duration_ms, self.attempt, self.error = "PUT", 200, 12.0, 1, None
        self.url = f"https://erp.example.com/entity/Default/24.200.001/SalesOrder?$expand=Details,Payments&n={n}" + "x" * 120
        self.request_headers, self.response_headers = {}, {}
        self.request_body = self.response_body = '{"Details": [' + ",".join(['{"InventoryID": {"value": "SKU"}}'] * 60) + "]}"


@pytest.fixture
def busy_record(tenant):
    snapshot = {"order": {"id": 4711, "products": [{"sku": f"SKU-{n:05}", "name": "A product " * 5} for n in range(400)]}}
    record = make_record(tenant, "4711", status=Status.FAILED, attempts=3, last_error=LONG_ERROR, snapshot=snapshot,
                         acumatica_key="SO/SO004711", next_attempt_at=timezone.now() + timezone.timedelta(minutes=9))
    for n in range(30):
        record.call_recorder()(Call(n))
    for n in range(12):  # a record retried twelve times
        record.log("record.started", message=f"Attempt {n + 1} started.")
        record.log("record.failed", message=LONG_ERROR + f" Retrying in {30 * 2 ** n} s (attempt {n + 1}).")
    return record


def test_the_record_page_fits_two_screens_with_status_and_replay_first(page, staff, busy_record):
    log_in(page, staff)
    page.goto(f"/admin/audit/syncrecord/{busy_record.pk}/change/")
    replay = page.get_by_role("button", name="Replay")
    expect(replay).to_be_visible()
    assert replay.bounding_box()["y"] + replay.bounding_box()["height"] <= VIEWPORT["height"]
    assert page.locator(".record-summary .status-badge").bounding_box()["y"] <= VIEWPORT["height"]
    expect(page.get_by_text("Next retry: in")).to_be_visible()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 2 * VIEWPORT["height"], height
    message = page.locator("fieldset.audit-trail > table.audit-events td:nth-child(4)").first
    assert message.bounding_box()["width"] > 300  # not one word wide
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORT["width"]
    page.get_by_text("earlier event(s)").click()  # the older attempts are one click away
    expect(page.get_by_text("Attempt 1 started.")).to_be_visible()


def test_the_list_fits_1366_pixels_and_sandbox_models_come_last(page, staff, busy_record):
    log_in(page, staff)
    page.goto("/admin/audit/syncrecord/")
    expect(page.get_by_role("columnheader", name="next retry")).to_be_visible()
    expect(page.locator("#result_list").get_by_role("button", name="Replay")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORT["width"]
    page.goto("/admin/")
    expect(page.get_by_role("link", name="ml-connector administration")).to_be_visible()
    captions = page.locator("div.app-list caption, #content-main caption").all_inner_texts()
    sandbox = [i for i, c in enumerate(captions) if c.upper().startswith("SANDBOX")]
    assert sandbox and sandbox == list(range(len(captions) - len(sandbox), len(captions))), captions
    expect(page.get_by_role("link", name="Push deliveries")).to_be_visible()
