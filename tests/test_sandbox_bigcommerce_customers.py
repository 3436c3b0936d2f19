from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.bigcommerce.models import Customer
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]


def _emails(response):
    return sorted(c["email"] for c in response.json()["data"])


def test_it_filters_on_email_in(bc_api):
    response = bc_api.get("v3/customers", params={"email:in": "ada.lovelace@example.com,alan.turing@example.com"})
    assert _emails(response) == ["ada.lovelace@example.com", "alan.turing@example.com"]


def test_it_filters_on_id_in(bc_api, bc_store):
    ada = Customer.objects.get(store=bc_store, email="ada.lovelace@example.com")
    assert _emails(bc_api.get("v3/customers", params={"id:in": ada.pk})) == ["ada.lovelace@example.com"]


def test_it_filters_on_date_modified_min(bc_api, bc_store):
    Customer.objects.filter(store=bc_store).update(date_modified=timezone.now() - timedelta(days=10))
    Customer.objects.filter(email="grace.hopper@example.com").update(date_modified=timezone.now())
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _emails(bc_api.get("v3/customers", params={"date_modified:min": since})) == ["grace.hopper@example.com"]


def test_it_includes_addresses_on_request(bc_api):
    plain = bc_api.get("v3/customers").json()["data"][0]
    assert "addresses" not in plain
    assert "addresses" in bc_api.get("v3/customers", params={"include": "addresses"}).json()["data"][0]


def test_it_refuses_a_bad_date(bc_api):
    assert bc_api.get("v3/customers", params={"date_modified:min": "yesterday"}).status_code == 422
