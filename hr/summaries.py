"""Personnel changes in words for the inbox, the task page, notifications and the API (registered
with `engine.summaries`). A salary's amounts show only to people who may see salaries and to the
change's approvers (hr.selectors.may_see_salary)."""

from __future__ import annotations

from django.utils import formats

from engine import summaries

from .models import PersonnelChange
from .selectors import may_see_salary


def _ints(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


# The stored one-line label outlives the language it was made in (inbox rows, history): bilingual,
# as the processes' own names are.
KIND_LABELS = {
    "onboarding": "Onboarding 入职",
    "probation": "Probation confirmation 转正",
    "transfer": "Transfer 调岗",
    "salary": "Salary adjustment 调薪",
    "departure": "Departure 离职",
}


class PersonnelChangeSummary:
    def label(self, obj) -> str:
        return f"{KIND_LABELS.get(obj.kind, obj.kind)} · {obj.subject_name}"

    def _visible(self, user):
        return PersonnelChange.objects.visible_to(user, "view").select_related(
            "employee__department",
            "employee__position",
            "employee__manager",
            "department",
            "position",
            "manager",
            "successor",
            "requested_by",
        )

    def lines(self, user, ids):
        return {
            str(c.pk): " · ".join([str(c.get_kind_display()), c.subject_name, _date(c.effective_on)])
            for c in self._visible(user).filter(pk__in=_ints(ids))
        }

    def _get(self, user, object_id):
        change = self._visible(user).filter(pk=int(object_id)).first()
        if change is None:
            return None
        return {"change": change, "show_salary": may_see_salary(user, change)}

    def panel(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        return {"template": "tasklist/summaries/personnel_change.html", "placement": "main", **found}

    def data(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        change = found["change"]
        data = {
            "kind": change.kind,
            "kind_display": str(change.get_kind_display()),
            "person": change.subject_name,
            "status": change.status,
            "status_display": str(change.get_status_display()),
            "effective_on": change.effective_on,
            "department": str(change.department or ""),
            "position": str(change.position or ""),
            "manager": str(change.manager or ""),
            "successor": str(change.successor or ""),
            "reason": change.reason,
        }
        if found["show_salary"] and change.kind in (
            PersonnelChange.Kind.SALARY,
            PersonnelChange.Kind.ONBOARDING,
        ):
            data["salary_before"] = change.salary_before
            data["salary_after"] = change.salary_after
        return data


def register() -> None:
    summaries.register("hr.personnelchange", PersonnelChangeSummary())
