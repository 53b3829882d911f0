"""Domain errors: each carries a stable code and a message for people.

Views and the API turn them into 4xx pages / JSON; they are never a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        location: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.location = location or {}

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": str(self.message)}
        if self.fields:
            data["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        if self.location:
            data["location"] = self.location
        return data


class ValidationFailed(DomainError):
    code = "validation_failed"


class NotPermitted(DomainError):
    code = "not_permitted"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
