"""AcumaticaClient over real HTTP against the sandbox instance (pytest-django live_server)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.acumatica.models import ApiSession, Instance
from sandbox.acumatica.seed import seed_instance
from sandbox.catalog_data import demo_catalog
from sync.acumatica import AcumaticaClient, unwrap, wrap
from sync.http import ApiError, RetryPolicy
from tenants import connection_test
from tenants.models import AcumaticaConnection
from tests.clients_helpers import Calls

pytestmark = pytest.mark.e2e
FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2, max_total_wait=5.0)


@pytest.fixture
def instance(transactional_db) -> Instance:
    return seed_instance("clients-ac", catalog=demo_catalog(count=4), versions=("23.200.001", "24.200.001"),
                         action_polls=1, max_sessions=5)


@pytest.fixture
def conn(live_server, make_tenant, instance) -> AcumaticaConnection:
    tenant = make_tenant("acx", instance_url=f"{live_server.url}/sandbox/acumatica/{instance.slug}/")
    ac = tenant.acumatica
    ac.company, ac.client_id, ac.client_secret = instance.company, instance.client_id, instance.client_secret
    ac.username, ac.password = instance.username, instance.password
    ac.save()
    return ac


def client(conn: AcumaticaConnection, **kwargs) -> AcumaticaClient:
    return AcumaticaClient(conn, policy=FAST, poll_interval=0.05, **kwargs)


def open_sessions(instance: Instance) -> int:
    return ApiSession.objects.filter(instance=instance, closed=False, expires_at__gt=timezone.now()).count()


def test_it_creates_reads_and_queries_records_with_oauth(conn):
    with client(conn) as ac:
        assert ac.offered_versions() == ["23.200.001", "24.200.001"]
        created = ac.put("Customer", wrap({"CustomerName": "Clients Test Co", "CustomerClass": "DEFAULT",
                                           "MainContact": {"Email": "clients@example.com"}}))
        customer_id = unwrap(created)["CustomerID"]
        again = unwrap(ac.get("Customer", customer_id, expand="MainContact"))
        names = [unwrap(c)["CustomerName"] for c in ac.query("Customer", select="CustomerName", top=2)]
    assert again["MainContact"]["Email"] == "clients@example.com"
    assert "Clients Test Co" in names and len(names) >= 5  # paged through 4 seeded + ours, 2 at a time
    conn.refresh_from_db()
    assert conn.access_token and conn.refresh_token and conn.token_expires_at > timezone.now()


def test_it_refreshes_and_persists_the_rotated_refresh_token(conn, instance):
    with client(conn) as ac:
        ac.sign_in()
    first = AcumaticaConnection.objects.get(pk=conn.pk).refresh_token
    conn.token_expires_at = timezone.now() - timedelta(seconds=1)
    conn.save(update_fields=["token_expires_at"])
    with client(conn) as ac:
        assert list(ac.query("StockItem", select="InventoryID", top=10))
    stored = AcumaticaConnection.objects.get(pk=conn.pk)
    assert stored.refresh_token and stored.refresh_token != first
    assert open_sessions(instance) == 1  # the refresh reused the one session


def test_it_explains_a_422_from_the_instance(conn):
    order = wrap({"OrderType": "SO", "CustomerID": "NOBODY", "Details": [{"InventoryID": "SKU-00001", "OrderQty": 1}]})
    with client(conn) as ac:
        with pytest.raises(ApiError) as error:
            ac.put("SalesOrder", order)
    assert error.value.status == 422 and error.value.permanent
    assert "CustomerID: 'Customer' cannot be found in the system." in error.value.message


def test_it_names_the_offered_versions_when_the_pinned_one_is_missing(conn):
    conn.endpoint_version = "22.200.001"
    with client(conn) as ac:
        with pytest.raises(ApiError) as error:
            ac.get("Customer", "C000001")
    assert error.value.message == ("endpoint Default/22.200.001 is not available on this instance; "
                                   "it offers: 23.200.001, 24.200.001")


def test_it_runs_a_long_action_to_completion(conn):
    calls = Calls()
    with client(conn, on_call=calls) as ac:
        customer = next(ac.query("Customer", select="CustomerID", top=1))
        order = unwrap(ac.put("SalesOrder", wrap({
            "OrderType": "IN", "CustomerID": unwrap(customer)["CustomerID"], "Hold": False,
            "Details": [{"InventoryID": "SKU-00001", "OrderQty": 1}]})))
        ac.invoke_action("SalesOrder", "PrepareSalesInvoice", wrap({"OrderType": "IN", "OrderNbr": order["OrderNbr"]}))
        after = unwrap(ac.get("SalesOrder", ("IN", order["OrderNbr"])))
    assert after["Status"] != order["Status"]
    action = [c.status for c in calls if "/PrepareSalesInvoice" in c.url]
    assert action[0] == 202 and action[-1] == 204 and "/status/" in [c.url for c in calls][-2]


def test_it_signs_out_of_a_cookie_session_even_when_a_call_fails(conn, instance):
    conn.auth_method = AcumaticaConnection.AuthMethod.COOKIE
    calls = Calls()
    with pytest.raises(ApiError):
        with client(conn, on_call=calls) as ac:
            ac.get("SalesOrder", ("SO", "NOPE404"))
    assert calls[0].url.endswith("/entity/auth/login") and calls[-1].url.endswith("/entity/auth/logout")
    assert open_sessions(instance) == 0


def test_it_passes_the_connection_test_on_an_unsaved_connection(conn):
    conn.pk = None  # as the onboarding form builds it: unsaved
    steps = connection_test.test_acumatica(conn)
    assert [s.ok for s in steps] == [True, True, True, True], [s.message for s in steps]
    assert connection_test.offered_versions(steps) == ["23.200.001", "24.200.001"]


def test_repeated_connection_tests_sign_out_and_never_exhaust_the_api_login_limit(conn, instance):
    # The onboarding page's Test connection runs on an unsaved OAuth connection: each run must end its
    # session, or a merchant clicking it twice on a trial licence (2 API users) is locked out for an hour.
    instance.max_sessions = 1
    instance.save()
    conn.pk = None
    for _ in range(3):
        steps = connection_test.test_acumatica(conn)
        assert all(s.ok for s in steps), [s.message for s in steps]
        assert open_sessions(instance) == 0
