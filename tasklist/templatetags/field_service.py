"""`{% report_issue_url obj as url %}`: where to report a product issue found in a complaint or a
service request (empty for other records, or when the user may not report one)."""

from django import template
from django.urls import reverse

from crm.models import Complaint, ServiceRequest

register = template.Library()


@register.simple_tag(takes_context=True)
def report_issue_url(context, obj) -> str:
    request = context.get("request")
    if request is None or not request.user.has_perm("crm.add_productissue"):
        return ""
    for model, key in ((Complaint, "complaint"), (ServiceRequest, "service_request")):
        if isinstance(obj, model):
            return f"{reverse('crm:product_issue_new')}?{key}={obj.pk}"
    return ""
