"""One JSON error shape for the whole API: {"code", "message", "fields", "location"}.

Domain errors keep their code and status; DRF and Django errors are mapped to the same shape, so
an integrator handles every failure the same way and bad input is never a 500.
"""

from __future__ import annotations

from decimal import InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError

_DRF_CODES = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "not_permitted",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    code = serializers.CharField(help_text="Stable machine-readable error code, e.g. `validation_failed`.")
    message = serializers.CharField(help_text="What went wrong, in the user's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages (field name → messages); empty when the error is not about fields.",
    )
    location = serializers.JSONField(
        allow_null=True,
        help_text="Where the error is, e.g. the BPMN file and element and every finding; null when none.",
    )


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field" or "lines.0.quantity": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    name = f"{prefix}.{index}" if prefix else str(index)
                    for k, v in _flatten(item, name).items():
                        out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def error_body(code: str, message: str, fields: dict | None = None, location=None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}, "location": location or None}


def _domain_response(exc: DomainError) -> Response:
    fields = {
        k: [str(m) for m in (v if isinstance(v, (list, tuple)) else [v])] for k, v in exc.fields.items()
    }
    location = dict(exc.location) if exc.location else None
    findings = getattr(exc, "findings", None)
    if findings and location is not None and "findings" not in location:
        location["findings"] = findings
    return Response(error_body(exc.code, exc.message, fields, location), status=exc.http_status)


def _database_error_rollback() -> None:
    """After a failed statement the enclosing transaction (if any) can only roll back."""
    set_rollback()
    if connection.in_atomic_block:
        transaction.set_rollback(True)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        return _domain_response(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, IntegrityError):
        _database_error_rollback()
        return Response(
            error_body(
                "conflict", _("The change conflicts with existing data (a duplicate or a reference).")
            ),
            status=409,
        )
    elif isinstance(exc, (DataError, OverflowError, InvalidOperation)):
        # The last line: inputs are range-checked where they are parsed; a value that still
        # reaches the database out of range (SQLite raises InvalidOperation) is bad input, not a 500.
        _database_error_rollback()
        return Response(error_body("invalid_value", _("A value is out of range or malformed.")), status=400)

    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        messages = [m for ms in fields.values() for m in ms]
        message = _("Please correct the highlighted fields.") if len(messages) != 1 else messages[0]
        body = error_body("validation_failed", message, fields)
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = error_body(code or str(getattr(exc, "default_code", "error")), detail)
    return Response(body, status=exc.status_code, headers=headers)
