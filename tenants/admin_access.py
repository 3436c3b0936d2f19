"""Tenant roles in the Django admin.

Django's model permissions say which kinds of objects a staff user may touch at all; the tenant role
says on which tenants. `TenantScopedAdmin` applies the role to every page of a model admin: the list
and its filters (only the user's tenants), the detail pages, add/change/delete, foreign-key choices
and autocomplete (which reads the Tenant admin's queryset). Superusers see and may do everything.

`restrict_unscoped_admins` makes every other model admin (the task queue, the sandbox, API tokens:
data that belongs to no one tenant or to all of them) superuser-only, so a new admin is safe by default.
Django's own user and group admins keep Django's permissions.
"""
from django.contrib import admin

from tenants import access
from tenants.models import Capability


class TenantScopedAdmin(admin.ModelAdmin):
    tenant_field = "tenant"                  # the row's Tenant foreign key; "" for Tenant itself
    change_capability = Capability.MANAGE    # what add/change/delete need on the row's tenant

    def _tenant_id(self, obj):
        return obj.pk if not self.tenant_field else getattr(obj, f"{self.tenant_field}_id")

    def _allowed(self, request, obj, capability: str) -> bool:
        user = request.user
        if user.is_superuser:
            return True
        if obj is None:
            return access.can_anywhere(user, capability)
        return access.can(user, self._tenant_id(obj), capability)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        lookup = f"{self.tenant_field}__in" if self.tenant_field else "pk__in"
        return queryset.filter(**{lookup: access.tenants_for(request.user, Capability.VIEW).values("pk")})

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self._allowed(request, obj, Capability.VIEW)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._allowed(request, obj, self.change_capability)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._allowed(request, obj, self.change_capability)

    def has_add_permission(self, request, *args) -> bool:
        return super().has_add_permission(request, *args) and self._allowed(request, None, self.change_capability)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self.tenant_field and db_field.name == self.tenant_field and not request.user.is_superuser:
            kwargs["queryset"] = access.tenants_for(request.user, self.change_capability)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Django's user and group admins: Django's own permissions decide (an owner adding members needs them).
KEEP_DJANGO_PERMISSIONS = {"auth"}
PERMISSION_METHODS = ("has_module_permission", "has_view_permission", "has_add_permission",
                      "has_change_permission", "has_delete_permission")


def _superuser_only(method):
    def check(request, *args, **kwargs):
        return request.user.is_superuser and method(request, *args, **kwargs)
    return check


def restrict_unscoped_admins(site: admin.AdminSite) -> None:
    for model, model_admin in site._registry.items():
        if isinstance(model_admin, TenantScopedAdmin) or model._meta.app_label in KEEP_DJANGO_PERMISSIONS:
            continue
        for name in PERMISSION_METHODS:
            setattr(model_admin, name, _superuser_only(getattr(model_admin, name)))
