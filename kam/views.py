from django.shortcuts import redirect

from kam.models import Role


def home(request):
    # A KAM's working day starts from the calls due; a manager's from their own (and a picker for the team's).
    if request.user.role in (Role.KAM, Role.MANAGER):
        return redirect("today")
    return redirect("leads:list")
