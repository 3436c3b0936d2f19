"""Push notifications for stock item changes reach a real HTTP receiver with the configured header."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.acumatica import state
from sandbox.acumatica.models import Instance
from tests.acumatica_sandbox_helpers import _acu_server, acu_live, make_acu, w  # noqa: F401

pytestmark = pytest.mark.e2e


class Receiver:
    """A real HTTP server on a free port that records what it receives; fails the first `fail` posts."""

    def __init__(self, fail: int = 0):
        self.received: list[tuple[dict, dict]] = []
        self.fail = fail
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append((dict(self.headers), body))
                status = 500 if outer.fail >= len(outer.received) else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/push"

    def wait(self, count: int, seconds: float = 5.0) -> list[tuple[dict, dict]]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _acu(acu_live, receiver):
    return make_acu(acu_live, push_url=receiver.url, push_header_name="X-Push-Secret",
                    push_header_value="s3cret", push_retry_delay_ms=10)


def test_it_posts_the_documented_payload_when_a_quantity_changes(acu_live, receiver):
    acu = _acu(acu_live, receiver)
    state.set_stock_item(acu.instance, "SKU-00001", qty=77, warehouse="EAST")
    [(headers, body)] = receiver.wait(1)
    assert headers["X-Push-Secret"] == "s3cret"
    assert set(body) == {"Inserted", "Deleted", "Query", "CompanyId", "Id", "TimeStamp", "AdditionalInfo"}
    assert body["CompanyId"] == "Company" and isinstance(body["TimeStamp"], int)
    east = [row for row in body["Inserted"] if row["WarehouseID"] == "EAST"]
    assert east[0]["InventoryID"] == "SKU-00001" and east[0]["QtyAvailable"] == 77
    assert {row["InventoryID"] for row in body["Deleted"]} == {"SKU-00001"}


def test_it_pushes_when_a_stock_item_price_changes_through_the_api(acu_live, receiver):
    acu = _acu(acu_live, receiver)
    reply = acu.put("StockItem", w(InventoryID="SKU-00002", DefaultPrice=99.5))
    assert reply.status_code == 200
    [(_, body)] = receiver.wait(1)
    assert body["Inserted"][0]["DefaultPrice"] == 99.5
    assert body["Deleted"][0]["DefaultPrice"] != 99.5


def test_it_does_not_push_when_nothing_tracked_changed(acu_live, receiver):
    acu = _acu(acu_live, receiver)
    acu.put("StockItem", w(InventoryID="SKU-00002", Description="Only the description"))
    state.set_stock_item(acu.instance, "SKU-00003", price="1.00")
    received = receiver.wait(1)
    assert [b["Inserted"][0]["InventoryID"] for _, b in received] == ["SKU-00003"]


def test_it_retries_a_failed_delivery_and_records_it(acu_live):
    receiver = Receiver(fail=2)
    acu = _acu(acu_live, receiver)
    state.set_stock_item(acu.instance, "SKU-00001", cost="3.00")
    received = receiver.wait(3)
    assert len(received) == 3
    assert received[0][1]["Id"] == received[2][1]["Id"]
    deadline = time.monotonic() + 5
    while not state.push_deliveries(acu.instance)[0].delivered and time.monotonic() < deadline:
        time.sleep(0.02)
    delivery = state.push_deliveries(acu.instance)[0]
    assert delivery.delivered and delivery.attempts == 3
    receiver.server.shutdown()


def test_it_delivers_to_a_receiver_in_the_same_server_process(acu_live):
    """The POST runs in a background thread, so a receiver served by the same live server can answer."""
    acu = make_acu(acu_live, slug="same", push_header_name="X-Push-Secret", push_header_value="s3cret",
                   push_retry_delay_ms=10, max_concurrent=1)
    # Any POST endpoint of the same process that answers 2xx will do: the instance's own sign-out.
    Instance.objects.filter(pk=acu.instance.pk).update(push_url=f"{acu.base}/entity/auth/logout")
    assert acu.put("StockItem", w(InventoryID="SKU-00001", DefaultPrice=1.25)).status_code == 200
    deadline = time.monotonic() + 5
    while not state.push_deliveries(acu.instance)[0].delivered and time.monotonic() < deadline:
        time.sleep(0.02)
    delivery = state.push_deliveries(acu.instance)[0]
    assert delivery.delivered and delivery.status_code == 204 and delivery.attempts == 1


def test_it_drops_or_duplicates_deliveries_when_told_to(acu_live, receiver):
    acu = _acu(acu_live, receiver)
    Instance.objects.filter(pk=acu.instance.pk).update(push_drop_rate=1.0)
    state.set_stock_item("acu", "SKU-00001", qty=1)
    assert state.push_deliveries(acu.instance)[0].error == "Dropped by fault injection."
    Instance.objects.filter(pk=acu.instance.pk).update(push_drop_rate=0, push_duplicate_rate=1.0)
    state.set_stock_item("acu", "SKU-00001", qty=2)
    received = receiver.wait(2)
    assert len(received) == 2
    assert received[0][1]["Id"] == received[1][1]["Id"]
