"""Service-task connectors for BPMN: HTTP calls to allowed hosts, notifications, record updates and
the ERP/finance export. Registered with the engine at start-up (IntegrationsConfig.ready).

Each is `fn(params, data)`: `params` are the service task's evaluated input parameters, `data` a
copy of the process data (with `business_object` = {type, id, label} when one is linked).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
from engine.connectors import business_object, process_actor, step_instance
from engine.ownership import require_process_authority
from engine.services import register_connector

from .services import notify


class ConnectorError(Exception):
    """A connector refused its input; the engine turns it into an incident at the element."""


def _allowed(url: str, allowed_hosts: list[str]) -> None:
    parsed = urlparse(str(url))
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ConnectorError(f"not a full http(s) URL: {url!r}")
    if "*" not in allowed_hosts and parsed.hostname not in allowed_hosts:
        raise ConnectorError(f"{parsed.hostname} is not in CONNECTOR_HTTP_ALLOWED_HOSTS")


def _request(method: str, url: str, body, headers: dict, timeout: float) -> dict:
    data = None if body in (None, "") else json.dumps(body, cls=DjangoJSONEncoder).encode()
    request = urllib.request.Request(  # noqa: S310 - host checked against the allow-list
        url,
        data=data,
        method=method.upper(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise ConnectionError(f"{url} answered {error.code}") from None  # retryable
        raise ConnectorError(f"{url} answered {error.code}: {error.read()[:200]!r}") from None
    except (urllib.error.URLError, TimeoutError) as error:
        raise ConnectionError(f"{url} unreachable: {getattr(error, 'reason', error)}") from None
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode("utf-8", "replace")[:10000]
    return {"status": status, "body": payload}


def http_request(params: dict, data: dict) -> dict:
    """Params: url, method (GET), body (a dict, or the name of a process variable), timeout, headers."""
    url = params["url"]
    _allowed(url, settings.CONNECTOR_HTTP_ALLOWED_HOSTS)
    body = params.get("body")
    if isinstance(body, str) and body in data:
        body = data[body]
    headers = params.get("headers") or {}
    if not isinstance(headers, dict):
        raise ConnectorError("headers must be a mapping")
    timeout = float(params.get("timeout") or settings.CONNECTOR_HTTP_TIMEOUT_SECONDS)
    return _request(params.get("method") or "GET", url, body, headers, timeout)


def send_notification(params: dict, data: dict) -> dict:
    """Params: template, to (comma-separated user and/or group names), and the template's fields
    taken from params or, failing that, from the process data."""
    from .templates_registry import get_template

    template = get_template(params["template"])
    names = [n.strip() for n in str(params["to"]).split(",") if n.strip()]
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    for group in Group.objects.filter(name__in=names):
        users += list(group.user_set.filter(is_active=True))
    if not users:
        raise ConnectorError(f"nobody to notify among {names}")
    context = {field: params.get(field, data.get(field, "")) for field in template.fields()}
    instance = step_instance()
    url = f"/instances/{instance.pk}/" if instance is not None and instance.pk else ""
    sent = notify(recipients=users, template=template.name, context=context, url=url)
    return {"notified": sorted({n.recipient.username for n in sent})}


def update_record(params: dict, data: dict) -> dict:
    """Set fields on the process's business object (the instance's stored link). Only fields the
    model lists in PROCESS_UPDATABLE_FIELDS may be set, and none another running process owns;
    every change is audited with its diff, in the process's name."""
    instance = step_instance()
    if instance is None or instance.business_object_type is None or not instance.business_object_id:
        raise ConnectorError("this process has no business object to update")
    model = instance.business_object_type.model_class()
    if model is None:
        raise ConnectorError("this process's business object no longer exists")
    label = model._meta.label_lower
    allowed = set(getattr(model, "PROCESS_UPDATABLE_FIELDS", ()))
    values = {k: v for k, v in params.items() if k not in {"fields"}}
    if isinstance(params.get("fields"), dict):
        values.update(params["fields"])
    refused = sorted(set(values) - allowed)
    if refused:
        raise ConnectorError(
            f"{label} does not allow processes to set {', '.join(refused)}"
            f" (allowed: {', '.join(sorted(allowed)) or 'nothing'})"
        )
    actor = process_actor()
    with transaction.atomic():
        obj = business_object(data, model)
        require_process_authority(actor=actor, obj=obj, fields=list(values))
        before = snapshot(obj)
        for field, value in values.items():
            setattr(obj, field, value)
        obj.full_clean(exclude=[f.name for f in model._meta.fields if f.name not in values])
        obj.save(update_fields=list(values) or None)
        changes = diff(before, snapshot(obj))
        if changes:
            audit_record(action=AuditEvent.Action.CHANGE, actor=actor, obj=obj, changes=changes)
    return {"updated": sorted(changes)}


def erp_export(params: dict, data: dict) -> dict:
    """Post the business object and the chosen process fields to the configured ERP/finance
    endpoint (ERP_EXPORT_URL). Params: fields (comma-separated process data names)."""
    if not settings.ERP_EXPORT_URL:
        raise ConnectorError("ERP_EXPORT_URL is not configured")
    names = [n.strip() for n in str(params.get("fields") or "").split(",") if n.strip()]
    body = {"business_object": data.get("business_object"), "data": {n: data.get(n) for n in names}}
    headers = {"Authorization": f"Bearer {settings.ERP_EXPORT_KEY}"} if settings.ERP_EXPORT_KEY else {}
    return _request("POST", settings.ERP_EXPORT_URL, body, headers, settings.CONNECTOR_HTTP_TIMEOUT_SECONDS)


def register() -> None:
    register_connector("http_request", http_request, retryable=True, required_params=("url",))
    register_connector("send_notification", send_notification, required_params=("template", "to"))
    register_connector("update_record", update_record)
    register_connector("erp_export", erp_export, retryable=True)
