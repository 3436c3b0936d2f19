"""Errors in the shape of their API version: v2 answers a JSON array of {status, message} (orders.v2.oas2.yml
404_Resp and the 400 of PUT /orders/{order_id}), v3 one object with status, title (and errors). The connector's
client reads either into its message."""
import jsonschema
import pytest

from sandbox.bigcommerce.storefront import place_order
from sync.bigcommerce import BigCommerceClient
from sync.http import ApiError, RetryPolicy
from tests.sandbox_bigcommerce_helpers import TOKEN, _spec_dict, bc_api, bc_store, require_specs  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def v2_error_schema() -> dict:
    require_specs()
    return _spec_dict("orders.v2.oas2.yml")["components"]["responses"]["404_Resp"]["content"]["application/json"][
        "schema"]


def test_a_v2_error_is_a_list_of_status_and_message(bc_api):
    reply = bc_api.get("v2/orders/999999")
    assert reply.status_code == 404 and reply.headers["Content-Type"] == "application/json"
    jsonschema.validate(reply.json(), v2_error_schema())
    [error] = reply.json()
    assert set(error) == {"status", "message"} and error["status"] == 404 and error["message"]


def test_a_v2_validation_error_names_the_field_in_its_message(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 1)])
    reply = bc_api.post(f"v2/orders/{order.pk}/shipments", {"order_address_id": 999999, "items": []})
    jsonschema.validate(reply.json(), v2_error_schema())
    [error] = reply.json()
    assert reply.status_code == 400 == error["status"] and "order_address_id" in error["message"]


def test_errors_before_the_handler_have_the_v2_shape_too(bc_api):
    assert bc_api.call("DELETE", "v2/order_statuses").json() == [{"status": 405, "message": "Method Not Allowed"}]
    unauthorised = bc_api.get("v2/orders/1", headers={"X-Auth-Token": "wrong"})
    assert unauthorised.status_code == 401 and unauthorised.json()[0]["status"] == 401


def test_a_v3_error_is_one_object(bc_api):
    reply = bc_api.get("v3/orders/999999/transactions")
    assert reply.status_code == 404 and {"status", "title", "type"} <= set(reply.json())


def test_the_client_reads_the_message_of_either_shape(live_server, make_tenant, bc_store):
    tenant = make_tenant("errs", store_hash=bc_store.store_hash, access_token=TOKEN,
                         api_base_url=live_server.url + "/sandbox/bigcommerce/stores/{store_hash}/")
    order = place_order(bc_store, lines=[("SKU-00001", 1)])
    with BigCommerceClient(tenant.bigcommerce, policy=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(ApiError) as v2:  # no public call of ours sends a bad v2 body: this one does
            client._call("POST", f"v2/orders/{order.pk}/shipments", body={"order_address_id": 999999})
        with pytest.raises(ApiError) as v3:
            client.get_transactions(999999)
    assert v2.value.status == 400 and v2.value.permanent and "order_address_id" in v2.value.message
    assert v3.value.status == 404 and "not found" in v3.value.message.lower()
