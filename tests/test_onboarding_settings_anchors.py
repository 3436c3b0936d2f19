"""Every Fix link of the tenant health (audit/health.py) leads to a setting that exists on the settings page."""
import inspect
import re

import pytest

import audit.health
from audit.health import FIXES, fix_for


def anchors_used_by_health() -> set[str]:
    """The anchors of the cause table, and every literal `...#anchor"` the module builds a link with."""
    literal = set(re.findall(r'#([a-z][\w-]*)"', inspect.getsource(audit.health)))
    return {anchor for _, anchor, _ in FIXES} | literal


def test_the_health_module_uses_anchors_at_all():
    assert {"id_payment_method_map", "sku-mappings", "acumatica", "bigcommerce", "orders"} <= anchors_used_by_health()


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_every_fix_anchor_exists_on_the_settings_page(client, tenant, merchant_of, role):
    client.force_login(merchant_of(tenant, role=role))
    for pattern, anchor, _ in FIXES:
        url, _ = fix_for(tenant, pattern.pattern.split("|")[0].replace("\\", "").replace(".*", " "))
        assert url.split("#")[0] == f"/onboarding/{tenant.slug}/"
    page = client.get(f"/onboarding/{tenant.slug}/").content.decode()
    missing = [a for a in anchors_used_by_health() if f'id="{a}"' not in page]
    assert not missing, f"Fix links point at anchors the settings page lacks: {missing}"
