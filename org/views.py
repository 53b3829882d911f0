"""Staff pages of the organisation app: the signed-in user's home page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import effective_group_names, manager_of


@login_required
def home(request):
    user = request.user
    context = {
        "employee": getattr(user, "employee", None),
        "manager": manager_of(user),
        "groups": sorted(effective_group_names(user)),
    }
    return render(request, "core/home.html", context)
