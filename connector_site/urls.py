from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from connector_site.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page (admin included); a 404 there is noise in every log.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("api/v1/", include("audit.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from drf-spectacular-sidecar's static files; its start-up script is a separate
    # request (the "split" view), so no inline script is needed.
    # Swagger UI's script adds <style> elements at run time: only this page allows inline styles.
    path("api/docs/", csp_update({"style-src-elem": ["'unsafe-inline'"]})(
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))), name="api-docs"),
    path("webhooks/", include("sync.urls")),
    path("", include("tenants.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
