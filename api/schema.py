"""OpenAPI generation: every operation documents the shared error shape for its 4xx answers."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from .errors import ErrorSerializer

_ERROR_DESCRIPTIONS = {
    "400": "Bad input: `fields` holds the per-field messages, `location` the BPMN element if any.",
    "401": "Not signed in: no session and no valid, unrevoked API token.",
    "403": "Signed in, but not staff, or without the permission for this entity and operation.",
    "404": "No such object (or not visible to the caller), no such page, or a referenced record is missing.",
    "409": "Conflict with the current state (e.g. the task was already completed).",
    "415": "The request body's content type is not one this operation reads (see its request body).",
    "429": "Too many requests for this token or user; retry after the `Retry-After` seconds.",
    "503": "The database connection broke mid-request (failover, restart); nothing was saved. "
    "Retry after the `Retry-After` seconds.",
}


class BatonAutoSchema(AutoSchema):
    """Adds the error responses that every endpoint can give (and the ones each view declares)."""

    def _error_codes(self) -> list[str]:
        # 404 everywhere: detail routes, pages past the end of a list, references a write names
        # that do not exist (a process key, a pool's customer).
        codes = ["400", "401", "403", "404", "429", "503"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from POST /api/v1/tokens/ (`Authorization: Bearer <secret>`).",
        }


_LOOSE_FORMATS = {"email", "uri", "ipv4", "ipv6"}


def relax_string_formats(result, generator, request, public):
    """Drop `format` from string fields that may legitimately be blank (an optional e-mail is "").

    drf-spectacular marks every EmailField/URLField with a format even when blank is allowed,
    which makes valid answers look invalid to validators; the field names say enough.
    """

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and node.get("format") in _LOOSE_FORMATS:
                node.pop("format")
            variants = node.get("oneOf")
            # {"oneOf": [{email}, {maxLength: 0}]} (a blank-able e-mail) becomes a plain string
            if (
                isinstance(variants, list)
                and variants
                and all(
                    isinstance(v, dict)
                    and v.get("type") == "string"
                    and set(v) <= {"type", "format", "maxLength"}
                    for v in variants
                )
            ):
                node.pop("oneOf")
                node["type"] = "string"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result.get("components", {}))
    return result
