"""New mass e-mail/SMS: pick a favourites list or a saved customer query, write the text; the
recipients are what the sender may see (a query's customers need the export permission)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ValidationFailed
from crm.models import FavouriteList, SavedQuery
from crm.selectors.reminders import mailing_recipients
from integrations.mailings import mailing_create

from .crm.common import permission


@permission("integrations.add_mailing")
@require_http_methods(["GET", "POST"])
def mailing_new(request):
    user = request.user
    lists = FavouriteList.objects.visible_to(user)
    queries = SavedQuery.objects.visible_to(user).filter(entity="customer")
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        channel = post.get("channel", "email")
        found = mailing_recipients(user=user, source=post.get("source", ""), channel=channel)
        recipients, source = found or ([], "")
        try:
            mailing = mailing_create(
                actor=user,
                name=post.get("name", ""),
                channel=channel,
                subject=post.get("subject", ""),
                body=post.get("body", ""),
                recipients=recipients,
                source=source,
            )
        except ValidationFailed as error:
            errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
        else:
            return redirect("integrations:mailing", mailing.pk)
    context = {"lists": lists, "queries": queries, "errors": errors, "form": request.POST}
    return render(request, "integrations/mailing_new.html", context, status=400 if errors else 200)
