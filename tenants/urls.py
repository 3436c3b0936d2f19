from django.urls import path
from django.views.generic import RedirectView

from tenants import dashboard, views

urlpatterns = [
    path("", RedirectView.as_view(url="/onboarding/", permanent=False)),
    path("onboarding/", views.onboarding_index, name="onboarding"),
    path("onboarding/new/", views.onboarding_new, name="onboarding-new"),
    path("onboarding/<slug:slug>/", views.onboarding_edit, name="onboarding-edit"),
    path("dashboard/<slug:slug>/", dashboard.dashboard, name="dashboard"),
]
