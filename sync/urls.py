from django.urls import path

from sync import webhooks

urlpatterns = [
    path("bigcommerce/<uuid:public_id>/", webhooks.bigcommerce_receiver, name="webhook-bigcommerce"),
]
