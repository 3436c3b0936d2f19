"""Fixtures for the REST API tests: two tenants, a member of each, token clients."""
import pytest
from rest_framework.test import APIClient

from audit.api_tokens import ApiToken
from audit.models import SyncRecord
from tests.audit_helpers import make_record


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user, 'test')[1]}")
    return client


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant("alpha")


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant("bravo")


@pytest.fixture
def record_a(tenant_a) -> SyncRecord:
    return make_record(tenant_a, "1001")


@pytest.fixture
def record_b(tenant_b) -> SyncRecord:
    return make_record(tenant_b, "2002")


@pytest.fixture
def api_a(tenant_a, merchant_of) -> APIClient:
    return token_client(merchant_of(tenant_a, "alice"))


@pytest.fixture
def api_staff(staff) -> APIClient:
    return token_client(staff)
