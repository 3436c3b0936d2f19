from io import StringIO

import pytest
from cryptography.fernet import InvalidToken

from django.core.management import call_command
from django.test import override_settings

from tenants.models import AcumaticaConnection, BigCommerceConnection


def _read_back(tenant) -> tuple[str, str]:
    bc = BigCommerceConnection.objects.get(tenant=tenant)
    ac = AcumaticaConnection.objects.get(tenant=tenant)
    return bc.access_token, ac.password


def test_it_rotates_secrets_to_the_first_key(make_tenant):
    with override_settings(FERNET_KEYS=["key-A"]):
        tenant = make_tenant("rot")
    with override_settings(FERNET_KEYS=["key-B", "key-A"]):
        assert _read_back(tenant) == ("bc-token-rot-SECRET", "ac-password-rot-SECRET")
        out = StringIO()
        call_command("rotate_fernet_keys", stdout=out)
        # BigCommerce: access token, client secret, webhook secret; Acumatica: client secret, password,
        # push secret (the empty OAuth token fields are encrypted empty strings too).
        assert "Re-encrypted 8 value(s)" in out.getvalue()
        again = StringIO()
        call_command("rotate_fernet_keys", stdout=again)
        assert "Re-encrypted 0 value(s)" in again.getvalue()
    with override_settings(FERNET_KEYS=["key-B"]):
        assert _read_back(tenant) == ("bc-token-rot-SECRET", "ac-password-rot-SECRET")


def test_it_cannot_read_old_values_with_only_the_new_key(make_tenant):
    with override_settings(FERNET_KEYS=["key-A"]):
        tenant = make_tenant("old")
    with override_settings(FERNET_KEYS=["key-B"]), pytest.raises(InvalidToken):
        _read_back(tenant)
