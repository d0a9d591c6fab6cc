from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def manager_required(view):
    """Managers only: anonymous users go to the login page, staff get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.access.manages:
            raise PermissionDenied("This page is for managers.")
        return view(request, *args, **kwargs)

    return wrapped
