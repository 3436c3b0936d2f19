import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import Source, Status, SyncRecord
from sync.http import ApiError
from tenants.models import Membership
from tests.audit_helpers import actions, csrf_token_from, make_record

CHANGELIST = "/admin/audit/syncrecord/"


def replay_url(record: SyncRecord) -> str:
    return reverse("admin:audit_syncrecord_replay", args=[record.pk])


@pytest.fixture
def failed_record(tenant) -> SyncRecord:
    record = make_record(tenant, "4711")
    SyncRecord.objects.claim(record.pk).fail(ApiError("SKU 'BLUE-1' is not mapped.", permanent=True))
    return record


@pytest.fixture
def browser(staff) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    return client


@pytest.fixture
def viewer(tenant) -> Client:
    """Staff without the change permission (and with the viewer role on the tenant)."""
    user = get_user_model().objects.create_user("viewer", "viewer@example.com", "pw-viewer-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_syncrecord"))
    Membership.objects.create(user=user, tenant=tenant, role=Membership.Role.VIEWER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_it_replays_from_the_row_button_with_csrf(browser, failed_record):
    page = browser.get(CHANGELIST)
    assert f'formaction="{replay_url(failed_record)}"' in page.content.decode()
    token = csrf_token_from(page.content.decode())
    response = browser.post(replay_url(failed_record), {"csrfmiddlewaretoken": token}, HTTP_REFERER=f"http://testserver{CHANGELIST}")
    assert response.status_code == 302 and response["Location"] == f"http://testserver{CHANGELIST}"
    failed_record.refresh_from_db()
    assert (failed_record.status, failed_record.source) == (Status.PENDING, Source.REPLAY)
    assert actions(failed_record)[-1] == "record.replayed"
    assert failed_record.events.last().user.username == "staff"
    follow = browser.get(CHANGELIST)
    assert "is queued for replay" in follow.content.decode()


def test_it_replays_from_the_detail_page_with_a_reason(browser, failed_record):
    page = browser.get(reverse("admin:audit_syncrecord_change", args=[failed_record.pk]))
    html = page.content.decode()
    assert "SKU &#x27;BLUE-1&#x27; is not mapped." in html and "record.needs_attention" in html
    browser.post(replay_url(failed_record), {"csrfmiddlewaretoken": csrf_token_from(html),
                                             "replay_reason": "Mapping added"})
    assert failed_record.events.last().message == "Replay requested by staff: Mapping added"


def test_it_refuses_a_replay_without_the_csrf_token(browser, failed_record):
    response = browser.post(replay_url(failed_record), {})
    assert response.status_code == 403
    assert actions(failed_record)[-1] == "record.needs_attention"


def test_it_refuses_a_replay_by_get(browser, failed_record):
    assert browser.get(replay_url(failed_record)).status_code == 405


def test_it_refuses_a_user_without_change_permission(viewer, failed_record):
    page = viewer.get(CHANGELIST)
    assert page.status_code == 200 and "4711" in page.content.decode()
    assert "Replay</button>" not in page.content.decode()
    response = viewer.post(replay_url(failed_record), {"csrfmiddlewaretoken": csrf_token_from(page.content.decode())})
    assert response.status_code == 403
    failed_record.refresh_from_db()
    assert failed_record.status == Status.NEEDS_ATTENTION


@pytest.mark.parametrize("action, status, event", [
    ("replay_selected", Status.PENDING, "record.replayed"),
    ("skip_selected", Status.FILTERED, "record.skipped"),
    ("resolve_selected", Status.SUCCEEDED, "record.resolved"),
])
def test_it_applies_bulk_actions(browser, failed_record, tenant, action, status, event):
    other = make_record(tenant, "4712", status=Status.NEEDS_ATTENTION)
    token = csrf_token_from(browser.get(CHANGELIST).content.decode())
    response = browser.post(CHANGELIST, {"csrfmiddlewaretoken": token, "action": action,
                                         "_selected_action": [failed_record.pk, other.pk]})
    assert response.status_code == 302
    for record in (failed_record, other):
        record.refresh_from_db()
        assert record.status == status and actions(record)[-1] == event


def test_it_offers_no_way_to_edit_or_delete_audit_history(browser, failed_record):
    event = failed_record.events.first()
    change = browser.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert browser.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert browser.get(reverse("admin:audit_auditevent_add")).status_code == 403
    token = csrf_token_from(change.content.decode())
    browser.post(reverse("admin:audit_auditevent_change", args=[event.pk]),
                 {"csrfmiddlewaretoken": token, "message": "rewritten"})
    event.refresh_from_db()
    assert event.message != "rewritten"


def test_it_shows_no_secrets_on_the_detail_page(browser, failed_record):
    failed_record.call_recorder()(type("Call", (), {
        "method": "POST", "url": "https://erp.example.com/identity/connect/token", "status": 200, "duration_ms": 9.0,
        "request_headers": {}, "request_body": "password=ac-password-acme-SECRET", "response_headers": {},
        "response_body": '{"access_token": "abc"}', "error": None, "attempt": 1})())
    html = browser.get(reverse("admin:audit_syncrecord_change", args=[failed_record.pk])).content.decode()
    assert "1 API call(s)" in html and "/identity/connect/token" in html  # the call is on the page
    assert "ac-password-acme-SECRET" not in html and "SECRET" not in html


def test_it_sends_an_anonymous_replay_to_the_login_page(failed_record):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    response = client.post(replay_url(failed_record), {"csrfmiddlewaretoken": csrf_token_from(page.content.decode())})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert actions(failed_record)[-1] == "record.needs_attention"
