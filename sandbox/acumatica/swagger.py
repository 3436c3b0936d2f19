"""The endpoint's own schema at <instance>/entity/Default/<version>/swagger.json, and <Entity>/$adHocSchema.

Reference: acumatica-api.md §1 ("Per-endpoint swagger: <instance>/entity/<Endpoint>/<Version>/swagger.json
?company=<Tenant>"; the files in ../shared/specs/acumatica are "the same documents an instance serves",
SOURCE.txt there) and the `$adHocSchema` paths of every Default spec ("the field name, view name, and type
of the fields that are not defined in the contract", answered with the entity's own schema).

The documents are the official files (swagger/, gzipped), with the address of this instance written where
the original names Acumatica's build server: `host`/`basePath`/`schemes` in the Swagger 2.0 files of
22/23.200.001, `servers[0].url` in the OpenAPI 3.0.1 file of 24.200.001. Clients generated from them then
call this instance. A version without a published file (20.200.001) answers 404.
"""
import functools
import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

FOLDER = Path(__file__).with_name("swagger")
FILES = {"22.200.001": "Default_22.200.001.swagger2.json.gz", "23.200.001": "Default_23.200.001.swagger2.json.gz",
         "24.200.001": "Default_24.200.001.openapi3.json.gz"}


def has_document(version: str) -> bool:
    return version in FILES


@functools.cache
def original(version: str) -> bytes:
    """The official document, byte for byte."""
    return gzip.decompress((FOLDER / FILES[version]).read_bytes())


@functools.lru_cache(maxsize=12)
def document(version: str, endpoint_url: str) -> bytes:
    """The schema as this instance serves it; `endpoint_url` is absolute, e.g. http://h/i/entity/Default/24.200.001."""
    spec = json.loads(original(version))
    parts = urlsplit(endpoint_url)
    if "swagger" in spec:
        spec.update({"host": parts.netloc, "basePath": parts.path, "schemes": [parts.scheme]})
    else:
        spec["servers"] = [{"url": endpoint_url}]
    return json.dumps(spec).encode()


def ad_hoc_schema() -> dict:
    """No customisation is published on a sandbox instance, so no field lies outside the contract."""
    return {"rowNumber": 1, "note": {"value": ""}, "custom": {}}
