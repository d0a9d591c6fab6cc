from rest_framework import permissions

from staffrota.api.models import ApiToken


class TokenScopePermission(permissions.BasePermission):
    """Signed in, and a read-only token only reads."""

    message = "This token may only read. Ask an admin for a read-and-write token."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return request.auth.can_write
        return True


class ManagerPermission(permissions.BasePermission):
    message = "Only managers may do this."

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request, "access", None) and request.access.manages)


class ManagerWritesPermission(ManagerPermission):
    """Everyone signed in reads (what they may see); only managers write."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)
