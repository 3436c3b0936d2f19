from django.db import connection

from tests.tenant_helpers import all_table_bytes, raw_secret_columns

ONBOARDING = {
    "name": "Form Co", "store_hash": "formco01", "bc_access_token": "form-token-PLAINTEXT",
    "bc_client_id": "cid", "bc_client_secret": "form-client-secret-PLAINTEXT", "bc_api_base_url": "",
    "instance_url": "https://erp.example.com", "endpoint_version": "24.200.001", "company": "Company",
    "auth_method": "oauth", "ac_client_id": "guid@Company", "ac_client_secret": "form-ac-secret-PLAINTEXT",
    "username": "admin", "ac_password": "form-password-PLAINTEXT",
    "refund_adjustment_item": "BCREFUND", "offline_refund_method": "", "refund_goods": "stock_lines",
}


def test_it_stores_no_plaintext_secret_through_the_orm(tenant):
    tables = all_table_bytes()
    assert raw_secret_columns()  # the encrypted columns do hold something
    for secret in (b"bc-token-acme-SECRET", b"ac-password-acme-SECRET", b"ac-client-secret-acme-SECRET",
                   b"bc-client-secret-acme-SECRET"):
        assert secret not in tables
    tenant.bigcommerce.refresh_from_db()
    assert tenant.bigcommerce.access_token == "bc-token-acme-SECRET"


def test_it_stores_no_plaintext_secret_through_the_onboarding_form(client, merchant):
    client.force_login(merchant)
    response = client.post("/onboarding/new/", ONBOARDING)
    assert response.status_code == 302, response.content
    tables = all_table_bytes()
    for secret in ("form-token-PLAINTEXT", "form-client-secret-PLAINTEXT", "form-ac-secret-PLAINTEXT",
                   "form-password-PLAINTEXT"):
        assert secret.encode() not in tables
    assert connection.vendor in ("postgresql", "sqlite")
