from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from kam.api.throttles import SignInThrottle
from kam.models import Role


def home(request):
    # A KAM's working day starts from the calls due; a manager's from their own (and a picker for the team's).
    if request.user.role in (Role.KAM, Role.MANAGER):
        return redirect("today")
    return redirect("leads:list")


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with POSTs limited per client address (django-axes locks per username and address).

    Guessing passwords for many accounts from one address, or one account from many forged ones, is slowed here;
    a locked (username, address) pair is axes' page.
    """

    def post(self, request, *args, **kwargs):
        throttle = SignInThrottle()
        if not throttle.allow_request(request, self):
            wait = int(throttle.wait() or 60)
            form = self.get_form()
            form.is_bound = False  # nothing is checked; the username stays as typed
            form.initial = {"username": request.POST.get("username", "")}
            messages.error(request, f"Too many sign-in attempts from your network; try again in {wait} seconds.")
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)
