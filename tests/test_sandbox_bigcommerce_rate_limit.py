from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.bigcommerce.models import Store
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, sandbox_db]
HEADERS = ["X-Rate-Limit-Requests-Left", "X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Time-Window-Ms",
           "X-Rate-Limit-Time-Reset-Ms"]


@pytest.fixture
def quota_of_three(bc_store):
    Store.objects.filter(pk=bc_store.pk).update(rate_limit_quota=3, rate_window_started_at=None, rate_window_used=0)


def test_it_counts_down_and_answers_429_when_the_quota_is_spent(bc_api, quota_of_three):
    responses = [bc_api.get("v3/catalog/products") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["X-Rate-Limit-Requests-Left"] for r in responses] == ["2", "1", "0", "0"]
    limited = responses[3]
    assert all(name in limited.headers for name in HEADERS)
    assert limited.headers["X-Rate-Limit-Requests-Quota"] == "3"
    assert limited.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert 0 < int(limited.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30000
    assert int(limited.headers["X-Retry-After"]) >= 1


def test_it_refreshes_the_quota_when_the_window_ends(bc_api, bc_store, quota_of_three):
    for _ in range(4):
        bc_api.get("v3/catalog/products")
    Store.objects.filter(pk=bc_store.pk).update(rate_window_started_at=timezone.now() - timedelta(seconds=31))
    response = bc_api.get("v3/catalog/products")
    assert response.status_code == 200
    assert response.headers["X-Rate-Limit-Requests-Left"] == "2"


def test_it_sends_the_headers_on_every_response(bc_api):
    for response in (bc_api.get("v2/orders"), bc_api.get("v2/orders/999999"), bc_api.get("v3/hooks")):
        assert all(name in response.headers for name in HEADERS), response.status_code
