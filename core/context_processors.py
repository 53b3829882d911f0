"""Navigation for the base template: an item shows once its URL exists and the user may use it."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission needed or None, staff only)
NAVIGATION = [
    ("tasklist:inbox", _("Inbox"), None, False),
    ("crm:customer_list", _("Customers"), "crm.view_customer", False),
    ("crm:contract_list", _("Contracts"), "crm.view_contract", False),
    ("crm:lead_list", _("Leads"), "crm.view_lead", False),
    ("crm:opportunity_board", _("Pipeline"), "crm.view_opportunity", False),
    ("crm:calendar", _("Calendar"), "crm.view_activity", False),
    ("tasklist:requests", _("Requests"), None, False),
    ("integrations:notifications", _("Notifications"), None, False),
    ("reports:index", _("Reports"), None, False),
    ("designer:index", _("Designer"), "processes.add_deploymentlog", False),
    ("admin:index", _("Admin"), None, True),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, perm, staff_only in NAVIGATION:
        if staff_only and not user.is_staff:
            continue
        if perm and not user.has_perm(perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items}
