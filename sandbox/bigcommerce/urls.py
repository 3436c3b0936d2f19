"""/sandbox/bigcommerce/stores/<store_hash>/ + the real API's relative paths (v2/..., v3/...)."""
from django.urls import path

from . import api_catalog as catalog
from . import api_customers as customers
from . import api_hooks as hooks
from . import api_orders as orders
from . import api_store as store
from . import shipments
from .gate import endpoint

STORE = "stores/<str:store_hash>/"

urlpatterns = [
    path(STORE + "v2/store", endpoint({"GET": store.get_store})),
    path(STORE + "v2/orders", endpoint({"GET": orders.list_orders})),
    path(STORE + "v2/orders/count", endpoint({"GET": orders.count_orders})),
    path(STORE + "v2/orders/<int:order_id>", endpoint({"GET": orders.get_order})),
    path(STORE + "v2/orders/<int:order_id>/products", endpoint({"GET": orders.list_order_products})),
    path(STORE + "v2/orders/<int:order_id>/shipping_addresses", endpoint({"GET": orders.list_shipping_addresses})),
    path(STORE + "v2/orders/<int:order_id>/coupons", endpoint({"GET": orders.list_coupons})),
    path(STORE + "v2/orders/<int:order_id>/shipments",
         endpoint({"GET": shipments.list_shipments, "POST": shipments.create_shipment,
                   "DELETE": shipments.delete_shipments})),
    path(STORE + "v2/orders/<int:order_id>/shipments/count", endpoint({"GET": shipments.count_shipments})),
    path(STORE + "v2/orders/<int:order_id>/shipments/<int:shipment_id>",
         endpoint({"GET": shipments.get_shipment, "PUT": shipments.update_shipment,
                   "DELETE": shipments.delete_shipment})),
    path(STORE + "v2/order_statuses", endpoint({"GET": orders.list_order_statuses})),
    path(STORE + "v3/orders/<int:order_id>/transactions", endpoint({"GET": orders.list_transactions})),
    path(STORE + "v3/orders/<int:order_id>/payment_actions/refund_quotes",
         endpoint({"POST": orders.create_refund_quote})),
    path(STORE + "v3/orders/<int:order_id>/payment_actions/refunds",
         endpoint({"GET": orders.list_order_refunds, "POST": orders.create_refund})),
    path(STORE + "v3/orders/payment_actions/refunds", endpoint({"GET": orders.list_refunds})),
    path(STORE + "v3/orders/payment_actions/refunds/<int:refund_id>", endpoint({"GET": orders.get_refund})),
    path(STORE + "v3/customers", endpoint({"GET": customers.list_customers})),
    path(STORE + "v3/catalog/products", endpoint({"GET": catalog.list_products, "PUT": catalog.update_products})),
    path(STORE + "v3/catalog/products/<int:product_id>",
         endpoint({"GET": catalog.get_product, "PUT": catalog.update_product})),
    path(STORE + "v3/catalog/products/<int:product_id>/variants", endpoint({"GET": catalog.list_product_variants})),
    path(STORE + "v3/catalog/products/<int:product_id>/variants/<int:variant_id>",
         endpoint({"PUT": catalog.update_product_variant})),
    path(STORE + "v3/catalog/variants", endpoint({"GET": catalog.list_variants, "PUT": catalog.update_variants})),
    path(STORE + "v3/inventory/adjustments/absolute", endpoint({"PUT": catalog.adjust_absolute})),
    path(STORE + "v3/inventory/adjustments/relative", endpoint({"POST": catalog.adjust_relative})),
    path(STORE + "v3/inventory/locations", endpoint({"GET": catalog.list_locations})),
    path(STORE + "v3/inventory/items", endpoint({"GET": catalog.list_inventory_items})),
    path(STORE + "v3/inventory/locations/<int:location_id>/items", endpoint({"GET": catalog.list_location_items})),
    path(STORE + "v3/hooks", endpoint({"GET": hooks.list_hooks, "POST": hooks.create_hook})),
    path(STORE + "v3/hooks/admin", endpoint({"GET": hooks.get_hooks_admin, "PUT": hooks.put_hooks_admin})),
    path(STORE + "v2/hooks", endpoint({"GET": hooks.list_hooks_v2, "POST": hooks.create_hook_v2})),
    path(STORE + "v2/hooks/<int:webhook_id>", endpoint({"GET": hooks.get_hook_v2, "PUT": hooks.update_hook_v2,
                                                       "DELETE": hooks.delete_hook_v2})),
    path(STORE + "v3/hooks/<int:webhook_id>",
         endpoint({"GET": hooks.get_hook, "PUT": hooks.update_hook, "DELETE": hooks.delete_hook})),
]
