"""Mounted at /sandbox/ when SANDBOX_ENABLED is on.

BigCommerce: /sandbox/bigcommerce/stores/<store_hash>/v2/... and /v3/...
Acumatica:   /sandbox/acumatica/<instance>/entity/..., /identity/connect/token
"""
from django.urls import include, path

urlpatterns = [
    path("bigcommerce/", include("sandbox.bigcommerce.urls")),
    path("acumatica/", include("sandbox.acumatica.urls")),
]
