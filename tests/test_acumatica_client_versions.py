"""sync/versions.py: one table of field names per Default endpoint version."""
import json

import pytest

from tests.spec_files import SPECS
from sync.versions import FIELD_NAMES, FieldNotAvailable, field_name, has_entity, table_version

SUMMARY = SPECS / "acumatica" / "key-entities.summary.json"


def test_it_knows_the_names_that_changed_between_versions():
    assert field_name("23.200.001", "SalesOrder", "last_modified") == "LastModified"
    assert field_name("24.200.001", "SalesOrder", "last_modified") == "LastModified"
    assert field_name("23.200.001", "StockItem", "last_modified") == "LastModified"
    assert field_name("24.200.001", "StockItem", "last_modified") == "LastModifiedDateTime"
    assert field_name("23.200.001", "SalesInvoice", "last_modified") == "LastModifiedDateTime"


def test_it_says_plainly_when_a_version_lacks_the_field():
    with pytest.raises(FieldNotAvailable, match="SalesInvoice has no last-modified field in Default/22.200.001"):
        field_name("22.200.001", "SalesInvoice", "last_modified")


def test_it_uses_the_newest_known_row_for_newer_versions_and_refuses_older_ones():
    assert table_version("25.200.001") == "24.200.001"
    with pytest.raises(FieldNotAvailable):
        table_version("19.100.001")
    assert not has_entity("20.200.001", "InventoryQuantityAvailable") and has_entity("22.200.001",
                                                                                     "InventoryQuantityAvailable")


@pytest.mark.skipif(not SUMMARY.exists(), reason="../shared/specs is absent outside this workspace")
def test_it_matches_the_endpoint_metadata():
    versions = json.loads(SUMMARY.read_text())["versions"]
    for version, logical in FIELD_NAMES.items():
        for entity, name in logical["last_modified"].items():
            assert name in versions[f"Default/{version}"][entity]["fields"], (version, entity, name)
