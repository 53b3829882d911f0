"""The product issue as tasks and notifications show it (engine.summaries): a line for the inbox,
a panel for the triage and fix tasks (product, what is wrong, photos, where it was found)."""

from __future__ import annotations

from ..models import FieldPhoto, ProductIssue


def _ints(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


class ProductIssueSummary:
    def label(self, obj) -> str:
        return f"{obj.code} {obj.summary} · {obj.product.name}"

    def _visible(self, user):
        return ProductIssue.objects.visible_to(user, "view").select_related(
            "product", "reported_by", "complaint", "service_request"
        )

    def lines(self, user, ids):
        return {
            str(i.pk): f"{i.code} · {i.product.name} · {i.summary} · {i.get_severity_display()}"
            for i in self._visible(user).filter(pk__in=_ints(ids))
        }

    def panel(self, user, object_id):
        issue = self._visible(user).filter(pk=int(object_id)).first()
        if issue is None:
            return None
        photos = list(FieldPhoto.objects.filter(product_issue=issue).order_by("pk"))
        return {
            "template": "tasklist/summaries/product_issue.html",
            "placement": "main",
            "issue": issue,
            "photos": photos,
        }

    def data(self, user, object_id):
        issue = self._visible(user).filter(pk=int(object_id)).first()
        if issue is None:
            return None
        return {
            "code": issue.code,
            "product": issue.product.name,
            "summary": issue.summary,
            "details": issue.details,
            "severity": issue.severity,
            "status": issue.status,
            "reported_by": str(issue.reported_by),
        }
