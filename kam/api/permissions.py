from rest_framework.permissions import BasePermission

from kam.models import Role


class IsManagerOrAdmin(BasePermission):
    """For what only managers and admins may ever do (reassigning accounts): a KAM gets 403 whatever the id."""

    message = "Only a manager or an administrator can do this."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN))
