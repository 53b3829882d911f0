"""What the product-issue process (bpmn/product_issue.bpmn) calls: its triage and fix applied to
the process's product issue through the field services, with the process's authority."""

from __future__ import annotations

from engine.connectors import business_object, process_actor


def product_issue_triaged(params: dict, data: dict) -> dict:
    """Accepted or rejected (the service task's `status` parameter), with the triage's reason."""
    from ..models import ProductIssue
    from .services import product_issue_update

    issue = business_object(data, ProductIssue)
    issue = product_issue_update(
        actor=process_actor(),
        issue=issue,
        status=params.get("status") or ProductIssue.Status.ACCEPTED,
        decision_reason=str(data.get("reason") or ""),
    )
    return {"status": issue.status}


def product_issue_fixed(params: dict, data: dict) -> dict:
    from ..models import ProductIssue
    from .services import product_issue_update

    issue = business_object(data, ProductIssue)
    issue = product_issue_update(
        actor=process_actor(), issue=issue, status=ProductIssue.Status.FIXED, fix=str(data.get("fix") or "")
    )
    return {"status": issue.status}


CONNECTORS = {
    "crm.product_issue_triaged": product_issue_triaged,
    "crm.product_issue_fixed": product_issue_fixed,
}
