"""What the HR processes (bpmn/hr_*.bpmn) call. Each acts on the process's business object (the
personnel change the instance is linked to) through hr.services with the process's authority,
and reacts to process data (form fields), never to element ids."""

from __future__ import annotations

import datetime

from engine.connectors import business_object as _business_object
from engine.connectors import process_actor
from engine.services import register_connector

from . import services
from .models import PersonnelChange


class ConnectorRefused(Exception):
    """The connector cannot apply the step's outcome; the engine parks it as an incident."""


def _change(data: dict) -> PersonnelChange:
    return _business_object(data, PersonnelChange)


def change_decided(params: dict, data: dict) -> dict:
    change = _change(data)
    if params.get("outcome") == "approved":
        change = services.change_approve(actor=process_actor(), change=change)
    else:
        change = services.change_reject(
            actor=process_actor(), change=change, note=str(data.get("comment") or "")
        )
    return {"status": change.status}


def onboard(params: dict, data: dict) -> dict:
    employee = services.onboarding_apply(actor=process_actor(), change=_change(data))
    return {"username": employee.user.get_username(), "code": employee.code}


def transfer(params: dict, data: dict) -> dict:
    employee = services.transfer_apply(actor=process_actor(), change=_change(data))
    return {"department": employee.department.code}


def salary(params: dict, data: dict) -> dict:
    record = services.salary_apply(actor=process_actor(), change=_change(data))
    return {"effective_on": record.effective_on.isoformat()}  # (no amount: process data is not confidential)


def probation_decided(params: dict, data: dict) -> dict:
    extend_to = data.get("extend_to")
    try:
        extend_to = datetime.date.fromisoformat(extend_to) if extend_to else None
    except (TypeError, ValueError):
        raise ConnectorRefused(f"not a date: {extend_to!r}") from None
    change = services.probation_decide(
        actor=process_actor(),
        change=_change(data),
        outcome=str(data.get("outcome") or ""),
        extend_to=extend_to,
        note=str(data.get("comment") or ""),
    )
    return {"outcome": change.outcome}


def depart(params: dict, data: dict) -> dict:
    return services.departure_apply(actor=process_actor(), change=_change(data))


def register() -> None:
    register_connector("hr.change_decided", change_decided)
    register_connector("hr.onboard", onboard)
    register_connector("hr.transfer", transfer)
    register_connector("hr.salary", salary)
    register_connector("hr.probation_decided", probation_decided)
    register_connector("hr.depart", depart)
