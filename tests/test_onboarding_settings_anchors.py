"""Every Fix link of the tenant health (audit/health.py) that leads to the settings page lands on a
setting that exists there."""
import inspect
import re

import pytest

import audit.health
from audit.health import FIXES, fix_for

# One error message per rule of audit.health.FIXES, as the pipelines word them.
SAMPLES = {"id_payment_method_map": "BigCommerce payments via 'testgateway' have no Acumatica payment method.",
           "orders": "Set the guest CustomerID of the generic guest policy.",
           "acumatica": "Acumatica rejected the credentials (401).",
           "bigcommerce": "BigCommerce rejected the access token (401). Check the API account's X-Auth-Token.",
           "shipments": "'fedx' is not a BigCommerce shipping provider code (such as usps, fedex, ups). "
                        "Fix the tenant's shipping provider settings, then replay."}


def settings_anchors_used_by_health(tenant) -> set[str]:
    """The anchors of Fix links into the settings page: from the cause table, and built by hand
    (`f"{settings_url}#bigcommerce"`)."""
    settings_url = f"/onboarding/{tenant.slug}/"
    from_rules = {url.split("#")[1] for url, _ in (fix_for(tenant, m) for m in SAMPLES.values())
                  if url.startswith(settings_url + "#")}
    by_hand = set(re.findall(r"settings_url\}#([\w-]+)", inspect.getsource(audit.health)))
    return from_rules | by_hand


def test_every_rule_has_a_sample_message_that_leads_to_its_anchor(tenant):
    assert {anchor for _, anchor, _ in FIXES} == set(SAMPLES), "add a sample message for the new rule"
    for anchor, message in SAMPLES.items():
        assert fix_for(tenant, message)[0] == f"/onboarding/{tenant.slug}/#{anchor}"
    assert "bigcommerce" in settings_anchors_used_by_health(tenant)


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_every_fix_anchor_exists_on_the_settings_page(client, tenant, merchant_of, role):
    client.force_login(merchant_of(tenant, role=role))
    page = client.get(f"/onboarding/{tenant.slug}/").content.decode()
    missing = [a for a in settings_anchors_used_by_health(tenant) if f'id="{a}"' not in page]
    assert not missing, f"Fix links point at anchors the settings page lacks: {missing}"


def test_owners_pick_payment_methods_from_the_live_lists(tenant):
    """The lists page is for owners only (tenants/onboarding.py settings_from_lists); its anchor is checked
    by tests/test_health.py, which follows every Fix link as an owner and as a viewer."""
    message = SAMPLES["id_payment_method_map"]
    assert fix_for(tenant, message, can_manage=True) == (f"/onboarding/{tenant.slug}/lists/#payments",
                                                         "Pick the payment method")
    assert fix_for(tenant, message)[0] == f"/onboarding/{tenant.slug}/#id_payment_method_map"
