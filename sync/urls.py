from django.urls import path

from sync import acumatica_push, webhooks

urlpatterns = [
    path("bigcommerce/<uuid:public_id>/", webhooks.bigcommerce_receiver, name="webhook-bigcommerce"),
    path("acumatica/<uuid:public_id>/", acumatica_push.acumatica_receiver, name="webhook-acumatica"),
]
