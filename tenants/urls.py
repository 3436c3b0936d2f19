from django.urls import path
from django.views.generic import RedirectView

from tenants import account, dashboard, fit_check_views, onboarding, records, views

urlpatterns = [
    path("", RedirectView.as_view(url="/onboarding/", permanent=False)),
    path("onboarding/", views.onboarding_index, name="onboarding"),
    path("onboarding/new/", views.onboarding_new, name="onboarding-new"),
    path("onboarding/start/", onboarding.connect, name="onboarding-start"),
    path("onboarding/start/settings/", onboarding.setup, name="onboarding-settings"),
    path("onboarding/<slug:slug>/start/", onboarding.finish, name="onboarding-finish"),
    path("onboarding/<slug:slug>/start/go/", onboarding.start, name="onboarding-go"),
    path("onboarding/<slug:slug>/lists/", onboarding.settings_from_lists, name="onboarding-lists"),
    path("onboarding/<slug:slug>/", views.onboarding_edit, name="onboarding-edit"),
    path("onboarding/<slug:slug>/fit-check/", fit_check_views.fit_check, name="fit-check"),
    path("onboarding/<slug:slug>/fit-check/unmatched.csv", fit_check_views.unmatched_csv,
         name="fit-check-unmatched-csv"),
    path("onboarding/<slug:slug>/fit-check/sku-mappings/", fit_check_views.upload_mappings,
         name="fit-check-upload"),
    path("account/alerts/", account.alert_settings, name="alert-settings"),
    path("account/api-tokens/", account.token_list, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke/", account.token_revoke, name="api-token-revoke"),
    path("dashboard/<slug:slug>/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<slug:slug>/retry/", records.retry_group, name="retry-group"),
    path("dashboard/<slug:slug>/records/", records.record_list, name="records"),
    path("dashboard/<slug:slug>/records/<int:pk>/", records.record_detail, name="record"),
    path("dashboard/<slug:slug>/records/<int:pk>/replay/", records.record_replay, name="record-replay"),
]
