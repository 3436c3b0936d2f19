"""Alert digests to owners: when a tenant turns red or records need attention; one per interval; opt-out."""
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from audit.alerts import AlertPreference, AlertState, send_alert_digests
from audit.models import Status
from tenants.models import Membership
from tests.audit_helpers import make_record

PAYMENT = "No Acumatica payment method and cash account for BigCommerce payments via 'testgateway'."


def people(tenant, merchant_of):
    owner = merchant_of(tenant, "owner")
    viewer = merchant_of(tenant, "viewer")
    Membership.objects.filter(user=viewer).update(role=Membership.Role.VIEWER)
    return owner, viewer


@override_settings(PUBLIC_BASE_URL="https://connector.example.com")
def test_owners_get_one_digest_with_links_when_a_tenant_turns_red(tenant, merchant_of, mailoutbox):
    owner, _ = people(tenant, merchant_of)
    make_record(tenant, "1", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    make_record(tenant, "2", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    send_alert_digests()
    (mail,) = mailoutbox
    assert mail.to == [owner.email] and mail.subject == "[ml-connector] Acme: action needed"
    assert "2 orders: need attention" in mail.body and "2 record(s) newly need attention" in mail.body
    assert "https://connector.example.com/dashboard/acme/" in mail.body
    assert "Fix: https://connector.example.com/onboarding/acme/#id_payment_method_map" in mail.body
    assert "Turn them off: https://connector.example.com/account/alerts/" in mail.body
    send_alert_digests()
    assert len(mailoutbox) == 1  # nothing new


def test_at_most_one_digest_per_interval_and_nothing_is_lost(tenant, merchant_of, mailoutbox):
    people(tenant, merchant_of)
    make_record(tenant, "1", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    send_alert_digests()
    make_record(tenant, "3", status=Status.NEEDS_ATTENTION, last_error="Another problem.")
    send_alert_digests()
    assert len(mailoutbox) == 1  # within the interval
    AlertState.objects.filter(tenant=tenant).update(last_sent_at=timezone.now() - timedelta(minutes=61))
    send_alert_digests()
    assert len(mailoutbox) == 2 and "1 record(s) newly need attention" in mailoutbox[1].body


def test_a_healthy_tenant_sends_nothing_and_an_opted_out_owner_gets_nothing(tenant, merchant_of, mailoutbox):
    owner, _ = people(tenant, merchant_of)
    send_alert_digests()
    assert mailoutbox == []
    AlertPreference.objects.create(user=owner, email_alerts=False)
    make_record(tenant, "1", status=Status.NEEDS_ATTENTION, last_error=PAYMENT)
    send_alert_digests()
    assert mailoutbox == []


def test_a_user_turns_alerts_off_on_their_settings_page(client, tenant, merchant_of):
    owner, _ = people(tenant, merchant_of)
    client.force_login(owner)
    assert client.post("/account/alerts/", {}).status_code == 302
    assert AlertPreference.objects.get(user=owner).email_alerts is False
    client.post("/account/alerts/", {"email_alerts": "on"})
    assert AlertPreference.objects.get(user=owner).email_alerts is True


def test_e_mail_goes_to_the_console_unless_smtp_is_configured():
    from django.conf import settings
    import subprocess, sys
    code = "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','connector_site.settings');django.setup();" \
           "from django.conf import settings;print(settings.EMAIL_BACKEND)"
    plain = subprocess.run([sys.executable, "-c", code], env={"DEBUG": "1", "PATH": ""}, capture_output=True,
                           text=True, cwd=settings.BASE_DIR).stdout.strip()
    smtp = subprocess.run([sys.executable, "-c", code], env={"DEBUG": "1", "EMAIL_HOST": "smtp.example.com"},
                          capture_output=True, text=True, cwd=settings.BASE_DIR).stdout.strip()
    assert plain.endswith("console.EmailBackend") and smtp.endswith("smtp.EmailBackend")
