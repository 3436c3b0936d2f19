"""The onboarding page's "Test connection" button: runs the checks, shows them, saves nothing."""
import pytest
import responses

from tenants.models import Tenant
from tests.clients_helpers import AC, AC_ENTITY, BC, TOKEN_URL
from tests.test_secrets_at_rest import ONBOARDING

FORM_BC = "https://api.bigcommerce.com/stores/formco01/"


@pytest.fixture
def logged_in(client, merchant):
    client.force_login(merchant)
    return client


def acumatica_answers(token_body: dict | None = None) -> None:
    responses.get(AC + "entity", json={"endpoints": [{"name": "Default", "version": "23.200.001"},
                                                     {"name": "Default", "version": "24.200.001"}]})
    responses.post(TOKEN_URL, json=token_body or {"access_token": "issued-ACCESS-token-123",
                                                  "refresh_token": "issued-REFRESH-token-456", "expires_in": 3600})
    responses.get(AC_ENTITY + "Customer", json=[])
    responses.post(AC + "entity/auth/logout", status=204)


@responses.activate
def test_it_shows_per_step_results_and_saves_nothing(logged_in):
    responses.get(FORM_BC + "v2/orders", status=401)
    acumatica_answers()
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, "action": "test"})
    assert response.status_code == 200
    assert not Tenant.objects.exists()
    page = response.content.decode()
    assert "Connection test" in page and "rejected the access token" in page
    assert "Signed in as admin with OAuth 2.0." in page
    assert '<option value="23.200.001">' in page and 'list="endpoint-versions"' in page
    # The token obtained for the test is not kept, so its session is closed (it holds a licence seat).
    assert responses.calls[-1].request.url == AC + "entity/auth/logout"
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer issued-ACCESS-token-123"
    for secret in ("form-token-PLAINTEXT", "form-ac-secret-PLAINTEXT", "form-password-PLAINTEXT",
                   "form-client-secret-PLAINTEXT", "issued-ACCESS-token-123", "issued-REFRESH-token-456"):
        assert secret not in page


@responses.activate
def test_it_falls_back_to_stored_secrets_for_empty_inputs(client, tenant, merchant_of):
    client.force_login(merchant_of(tenant))
    responses.get(BC + "v2/orders", status=204)
    for path in ("v3/customers", "v3/catalog/products", "v3/hooks"):
        responses.get(BC + path, json={"data": [], "meta": {}})
    acumatica_answers()
    values = {**ONBOARDING, "store_hash": "acmestore", "bc_access_token": "", "ac_client_secret": "",
              "ac_password": "", "bc_client_secret": "", "action": "test"}
    response = client.post(f"/onboarding/{tenant.slug}/", values)
    assert response.status_code == 200
    assert responses.calls[0].request.headers["X-Auth-Token"] == "bc-token-acme-SECRET"
    token_form = next(c.request.body for c in responses.calls if c.request.url == TOKEN_URL)
    assert "ac-password-acme-SECRET" in token_form
    tenant.refresh_from_db()
    assert tenant.name == "Acme"  # the entered "Form Co" was not saved
    assert tenant.acumatica.access_token == ""  # nor the token the test obtained
    assert "bc-token-acme-SECRET" not in response.content.decode()


def test_it_shows_form_errors_instead_of_testing(logged_in):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, "store_hash": "Not A Hash!", "action": "test"})
    assert response.status_code == 200
    assert "store hash" in " ".join(response.context["form"].errors["store_hash"])
    assert response.context["results"] is None


def test_it_offers_the_button_on_the_page(logged_in):
    page = logged_in.get("/onboarding/new/").content.decode()
    assert 'name="action" value="test"' in page and "Test connection" in page


@responses.activate
def test_it_marks_steps_passed_failed_and_skipped(logged_in):
    responses.get(FORM_BC + "v2/orders", status=401)
    acumatica_answers()
    page = logged_in.post("/onboarding/new/", {**ONBOARDING, "action": "test"}).content.decode()
    assert page.count('class="badge bad">failed') == 1  # BigCommerce token
    assert page.count('class="badge warn">skipped') == 3  # the BigCommerce areas after it
    assert page.count('class="badge ok">passed') == 4  # the Acumatica steps
