"""Marketing pieces other pages include: `{% opportunity_competitors opportunity %}` (who the deal
competes against, with the picker) and `{% customer_favourites customer %}` (the viewer's favourite
groups, with add/remove buttons, on the customer's card)."""

from django import template

from crm.marketing.selectors import favourite_groups_of_customer
from crm.models import Competitor, Opportunity

register = template.Library()


@register.inclusion_tag("tasklist/crm/_opportunity_competitors.html", takes_context=True)
def opportunity_competitors(context, opportunity):
    request = context.get("request")
    user = getattr(request, "user", None)
    chosen = list(opportunity.competitors.order_by("kind", "name"))
    can_change = (
        user is not None and Opportunity.objects.visible_to(user, "change").filter(pk=opportunity.pk).exists()
    )
    return {
        "opportunity": opportunity,
        "chosen": chosen,
        "chosen_ids": {c.pk for c in chosen},
        "all": list(Competitor.objects.order_by("kind", "name")[:300]) if can_change else [],
        "can_change": can_change,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("tasklist/crm/_customer_favourites.html", takes_context=True)
def customer_favourites(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    groups = favourite_groups_of_customer(user=user, customer=customer) if user is not None else []
    return {
        "customer": customer,
        "groups": groups,
        "can_add": user is not None and user.has_perm("crm.add_favouritelist"),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
