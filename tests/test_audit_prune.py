from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from tests.audit_helpers import make_record


def test_it_prunes_old_bodies_and_keeps_metadata(tenant):
    record = make_record(tenant)
    old = AuditEvent.write(action="api.call", tenant_id=tenant.pk, record=record, method="GET", url="https://x/a",
                           status_code=200, request_body='{"a": 1}', response_body='{"b": 2}',
                           created_at=timezone.now() - timedelta(days=40))
    recent = AuditEvent.write(action="api.call", tenant_id=tenant.pk, record=record, method="GET",
                              url="https://x/b", status_code=200, response_body='{"c": 3}')
    call_command("prune_audit", "--days", "30")
    old, recent = AuditEvent.objects.get(pk=old.pk), AuditEvent.objects.get(pk=recent.pk)
    assert (old.request_body, old.response_body, old.bodies_pruned_at is not None) == ("", "", True)
    assert (old.action, old.method, old.url, old.status_code) == ("api.call", "GET", "https://x/a", 200)
    assert recent.response_body == '{"c": 3}' and recent.bodies_pruned_at is None
