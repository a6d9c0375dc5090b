from django.contrib.auth import middleware as auth_middleware
from django.utils import timezone


class UserTimezoneMiddleware:
    """Shows every time in the signed-in user's own zone; the database stays in UTC.

    The zone is chosen once the view is known, and only for views that need a signed-in user: looking the user
    up reads the session from the database, which the health probes (and the sign-in page) must not depend on.
    The API speaks UTC and sets it itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        return None


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, asking the view first: a view open to everyone (the health probes above all) never looks the user
    up, so it never reads the session from the database and keeps answering while the database is down."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
