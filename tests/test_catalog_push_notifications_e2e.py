"""A stock change in the sandbox Acumatica reaches BigCommerce through a real push notification."""
import time
from decimal import Decimal

import pytest

from audit.models import SyncRecord
from sandbox.acumatica import state as acu_state
from sync.catalog import push_catalog
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_it_pushes_an_item_named_in_a_push_notification(catalog_env):
    env = catalog_env
    push_catalog(env.tenant)
    connection = env.tenant.acumatica
    instance = env.instance
    instance.push_url = f"{env.live_url}/webhooks/acumatica/{env.tenant.public_id}/"
    instance.push_header_name, instance.push_header_value = connection.push_header_name, connection.push_secret
    instance.push_retry_delay_ms = 10
    instance.save()

    acu_state.set_stock_item(instance, "SKU-00006", price="66.60", qty=12)

    def done() -> bool:
        record = SyncRecord.objects.filter(tenant=env.tenant, external_id="SKU-00006").first()
        return record is not None and record.source == "push" and record.status in ("succeeded", "needs_attention")
    assert wait_for(done)
    record = SyncRecord.objects.get(tenant=env.tenant, external_id="SKU-00006")
    assert record.status == "succeeded", record.last_error
    assert record.source == "push"
    assert env.product("SKU-00006").price == Decimal("66.60")
    assert wait_for(lambda: acu_state.push_deliveries(instance)[0].delivered)
