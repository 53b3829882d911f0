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
    ("work", "chat:list", _("Messages"), None, False),
    ("office", "worklogs:mine", _("Work logs"), None, False),
    ("sales", "crm:customer_list", _("Customers"), "crm.view_customer", False),
    ("sales", "crm:lead_list", _("Leads"), "crm.view_lead", False),
    ("sales", "crm:opportunity_board", _("Pipeline"), "crm.view_opportunity", False),
    ("sales", "crm:quotation_list", _("Quotations"), "crm.view_quotation", False),
    ("sales", "crm:contract_list", _("Contracts"), "crm.view_contract", False),
    ("office", "tasklist:directory", _("Address book"), None, False),
    ("sales", "crm:expense_list", _("Expenses"), "crm.view_expense", False),
    ("marketing", "crm:campaign_list", _("Campaigns"), "crm.view_campaign", False),
    ("marketing", "crm:campaign_task_list", _("My campaign tasks"), "crm.view_campaign", False),
    ("marketing", "crm:favourite_list_list", _("Favourite groups"), "crm.view_favouritelist", False),
    ("marketing", "crm:competitor_list", _("Competitors and partners"), "crm.view_competitor", False),
    ("catalogue", "crm:product_list", _("Products"), "crm.view_product", False),
    ("catalogue", "crm:stock_level_list", _("Stock"), "crm.view_stocklevel", False),
    ("catalogue", "crm:stock_move_list", _("Stock ledger"), "crm.view_stockmove", False),
    ("catalogue", "crm:warehouse_list", _("Warehouses"), "crm.view_warehouse", False),
    ("service", "crm:dispatch_board", _("Dispatch board"), "crm.change_technicianprofile", False),
    ("service", "crm:technician_today", _("My jobs today"), "crm.view_servicerequest", False),
    ("service", "crm:product_issue_list", _("Product issues"), "crm.view_productissue", False),
    ("service", "crm:complaint_list", _("Complaints"), "crm.view_complaint", False),
    ("service", "crm:service_request_list", _("Service requests"), "crm.view_servicerequest", False),
    ("service", "crm:consultation_list", _("Consultations"), "crm.view_consultation", False),
    ("sales", "crm:instalment_list", _("Receivables"), "crm.view_instalment", False),
    ("sales", "crm:invoice_list", _("Invoices"), "crm.view_invoice", False),
    ("reports", "reports:index", _("Reports"), None, False),
    ("designer", "designer:index", _("Designer"), "processes.add_deploymentlog", False),
    ("office", "tasklist:notices", _("Notices"), None, False),
    ("office", "projects:list", _("Projects"), None, False),
    ("office", "supplies:catalogue", _("Office supplies"), None, False),
    ("office", "hr:employees", _("Employee files"), "hr.view_positionrecord", False),
    ("office", "knowledge:article_list", _("Knowledge base"), "knowledge.view_article", False),
    ("office", "training:my_courses", _("My courses"), None, False),
    ("office", "training:course_list", _("Courses"), "training.change_course", False),
    ("reports", "training:report", _("Training report"), "training.report_course", False),
    ("admin", "manage:departments", _("Organisation"), "org.manage_org", False),
    ("admin", "manage:access", _("Who can see what"), "org.manage_org", False),
    ("admin", "manage:notices", _("Publish notices"), "office.manage_notices", False),
    ("admin", "manage:webhooks", _("Webhooks"), "integrations.manage_webhooks", False),
    ("admin", "api_tokens", _("API tokens"), "integrations.manage_webhooks", False),
    ("admin", "manage:connectors", _("Connectors"), "integrations.manage_webhooks", False),
    ("admin", "manage:notification_templates", _("Message templates"), "integrations.manage_webhooks", False),
    ("admin", "manage:custom_fields", _("Data model"), "crm.manage_data_model", False),
    ("admin", "manage:sla_policies", _("Service settings"), "crm.manage_service_settings", False),
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
