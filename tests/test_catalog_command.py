"""push_catalog <tenant> [--full] [--sku ...] with progress output."""
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sandbox.acumatica import state as acu_state
from tests.catalog_helpers import catalog_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_it_pushes_the_named_skus_with_a_progress_bar(catalog_env):
    env = catalog_env
    acu_state.set_stock_item(env.instance, "SKU-00007", price="17.70")
    acu_state.set_stock_item(env.instance, "TS-LEG-001", price="27.70")
    out = StringIO()
    call_command("push_catalog", env.tenant.slug, "--sku", "SKU-00007", "TSHIRT-LEGACY-01", stdout=out)
    text = out.getvalue()
    assert "2/2" in text and "#" in text
    assert "2 item(s) read, 2 changed: 2 pushed" in text
    assert env.product("SKU-00007").price == Decimal("17.70")
    assert env.product("TSHIRT-LEGACY-01").price == Decimal("27.70")
    assert env.product("SKU-00008").price != Decimal("17.70")


def test_it_reconciles_everything_with_full(catalog_env):
    env = catalog_env
    out = StringIO()
    call_command("push_catalog", env.tenant.slug, "--full", stdout=out)
    assert "items read" in out.getvalue()
    assert "0 failed" in out.getvalue()


def test_it_names_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("push_catalog", "nobody", stdout=StringIO())
