import pytest
from django.contrib.auth import get_user_model
from django.core.servers.basehttp import WSGIRequestHandler

from tenants.models import AcumaticaConnection, BigCommerceConnection, Membership, Tenant

# The live server (Django's request handler) writes a response's headers and its body in two packets. Without
# TCP_NODELAY, on a kept-alive connection the body waits for the client's delayed ACK: every request after a
# session's first was answered ~40 ms late. The real APIs, and gunicorn in production, answer without that wait.
WSGIRequestHandler.disable_nagle_algorithm = True


@pytest.fixture
def make_tenant(db):
    """Creates a tenant with both connections; secrets get recognisable values tests can search for."""
    def make(slug: str = "acme", **overrides) -> Tenant:
        tenant = Tenant.objects.create(slug=slug, name=overrides.pop("name", slug.title()))
        BigCommerceConnection.objects.create(
            tenant=tenant, store_hash=overrides.pop("store_hash", f"{slug}store"[:20]),
            access_token=overrides.pop("access_token", f"bc-token-{slug}-SECRET"),
            client_id="bc-client", client_secret=f"bc-client-secret-{slug}-SECRET",
            api_base_url=overrides.pop("api_base_url", ""))
        AcumaticaConnection.objects.create(
            tenant=tenant, instance_url=overrides.pop("instance_url", "https://erp.example.com"),
            endpoint_version=overrides.pop("endpoint_version", "24.200.001"), company="Company",
            client_id="guid@Company", client_secret=f"ac-client-secret-{slug}-SECRET",
            username="admin", password=f"ac-password-{slug}-SECRET")
        return tenant
    return make


@pytest.fixture
def tenant(make_tenant):
    return make_tenant("acme")


@pytest.fixture
def merchant(db):
    return get_user_model().objects.create_user("merchant", "merchant@example.com", "pw-merchant-1")


@pytest.fixture
def merchant_of(db):
    """A non-staff user who is a member of the given tenant (owner unless a role is given)."""
    def make(tenant: Tenant, username: str = "member", role: str = Membership.Role.OWNER, **user_fields):
        user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw-member-1",
                                                    **user_fields)
        Membership.objects.create(user=user, tenant=tenant, role=role)
        return user
    return make


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
