"""Sandbox Acumatica state is inspectable in the Django admin."""
import pytest
from django.urls import reverse

from sandbox.acumatica import state
from sandbox.acumatica.models import Instance, Record
from sandbox.acumatica.seed import seed_instance
from sandbox.catalog_data import demo_catalog

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["instance", "record", "apisession", "actionrun", "pushdelivery", "ratewindow"])
def test_it_lists_each_model_in_the_admin(admin_client, model):
    seed_instance("adm", catalog=demo_catalog(count=2))
    reply = admin_client.get(reverse(f"admin:sandbox_acumatica_{model}_changelist"))
    assert reply.status_code == 200


def test_it_shows_an_instance_with_its_fault_settings(admin_client):
    instance = seed_instance("adm", catalog=demo_catalog(count=2))
    reply = admin_client.get(reverse("admin:sandbox_acumatica_instance_change", args=[instance.pk]))
    assert reply.status_code == 200
    assert b"error_rate" in reply.content and b"push_url" in reply.content


def test_it_shows_a_stock_items_data(admin_client):
    instance = seed_instance("adm", catalog=demo_catalog(count=2))
    record = Record.objects.get(instance=instance, entity="StockItem", key="SKU-00001")
    reply = admin_client.get(reverse("admin:sandbox_acumatica_record_change", args=[record.pk]))
    assert reply.status_code == 200
    assert b"WarehouseDetails" in reply.content
    assert state.instance("adm") == Instance.objects.get(slug="adm")
