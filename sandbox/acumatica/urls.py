"""URL layout of a simulated instance; the instance URL a tenant stores is /sandbox/acumatica/<slug>/."""
from django.urls import path, re_path

from . import views

urlpatterns = [
    path("<slug:slug>/entity", views.endpoints, name="sandbox_acumatica_endpoints"),
    path("<slug:slug>/entity/", views.endpoints),
    path("<slug:slug>/entity/auth/login", views.login, name="sandbox_acumatica_login"),
    path("<slug:slug>/entity/auth/logout", views.logout, name="sandbox_acumatica_logout"),
    path("<slug:slug>/identity/connect/token", views.token, name="sandbox_acumatica_token"),
    re_path(r"^(?P<slug>[-\w]+)/entity/(?P<endpoint>[^/]+)/(?P<version>[^/]+)/(?P<rest>.*)$", views.entity,
            name="sandbox_acumatica_entity"),
]
