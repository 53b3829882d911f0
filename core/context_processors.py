"""Navigation for the base template: an item shows once its URL exists and the user may use it.

Items are grouped in sections; a section with one visible item shows as a plain link, one with
several as a menu, so a person with many roles still sees a short bar (on a phone too)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Sections in the order of the bar: (key, label).
SECTIONS = [
    ("work", _("My work")),
    ("sales", _("Sales")),
    ("service", _("Service")),
    ("marketing", _("Marketing")),
    ("catalogue", _("Products")),
    ("office", _("Office")),
    ("reports", _("Reports")),
    ("designer", _("Designer")),
    ("admin", _("Administration")),
]

# (section, url name, label, permission needed or None, staff only). A new screen adds one line.
NAVIGATION = [
    ("work", "tasklist:inbox", _("Inbox"), None, False),
    ("work", "tasklist:requests", _("Requests"), None, False),
    ("work", "crm:calendar", _("Calendar"), "crm.view_activity", False),
    ("work", "integrations:notifications", _("Notifications"), None, False),
    ("sales", "crm:customer_list", _("Customers"), "crm.view_customer", False),
    ("sales", "crm:lead_list", _("Leads"), "crm.view_lead", False),
    ("sales", "crm:opportunity_board", _("Pipeline"), "crm.view_opportunity", False),
    ("sales", "crm:contract_list", _("Contracts"), "crm.view_contract", False),
    ("reports", "reports:index", _("Reports"), None, False),
    ("designer", "designer:index", _("Designer"), "processes.add_deploymentlog", False),
    ("office", "tasklist:notices", _("Notices"), None, False),
    ("admin", "manage:departments", _("Organisation"), "org.manage_org", False),
    ("admin", "manage:access", _("Who can see what"), "org.manage_org", False),
    ("admin", "manage:notices", _("Publish notices"), "office.manage_notices", False),
    ("admin", "manage:webhooks", _("Webhooks"), "integrations.manage_webhooks", False),
    ("admin", "api_tokens", _("API tokens"), "integrations.manage_webhooks", False),
    ("admin", "admin:index", _("Django admin"), None, True),
]

# Items of these sections stay on the bar itself (the inbox and its counters are one click away).
FLAT_SECTIONS = {"work"}


def _visible_items(request, user) -> list[dict]:
    items = []
    for section, name, label, perm, staff_only in NAVIGATION:
        if staff_only and not user.is_staff:
            continue
        if perm and not user.has_perm(perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path.startswith(url) and url != "/"
        items.append({"section": section, "url": url, "label": label, "active": active})
    return items


def navigation(request):
    """`nav_items`: every visible item (flat); `nav_sections`: the bar, sections with their items
    (`menu` is true where a section shows as a drop-down)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_sections": []}
    items = _visible_items(request, user)
    sections = []
    for key, label in SECTIONS:
        mine = [item for item in items if item["section"] == key]
        if not mine:
            continue
        if key in FLAT_SECTIONS or len(mine) == 1:
            sections.extend({"menu": False, "item": item} for item in mine)
        else:
            active = any(item["active"] for item in mine)
            sections.append({"menu": True, "key": key, "label": label, "items": mine, "active": active})
    return {"nav_items": items, "nav_sections": sections}
