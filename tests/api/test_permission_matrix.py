"""The generated permission matrix: every entity endpoint, operation and role answers with the
status the role's declared grants (org/seed.py) imply.

Expectations come from the seed's permission patterns, not from the code under test: a role may
do an operation when one of its groups (or their parent groups) declares a matching pattern.
Records are made for the caller (owned by them), so row rules admit them; row rules themselves
are tested in test_crm_endpoints.py.
"""

from __future__ import annotations

import pytest

from org.permissions import viewable_through_tasks
from org.seed import EMPLOYEES, GROUPS, patterns_grant
from tests.api.conftest import ROLES
from tests.api.endpoints import ACTIONS, ENDPOINTS, Action, Endpoint

pytestmark = pytest.mark.django_db

OPERATIONS = {
    # operation: (entity action needed, success status)
    "list": ("view", 200),
    "retrieve": ("view", 200),
    "create": ("add", 201),
    "update": ("change", 200),
    "delete": ("delete", 204),
}


def declared_patterns(username: str) -> list[list[str]]:
    """The permission patterns of each group the user is in, nested parents included (one list per
    group: a group's "!glob" only takes away what that group's own globs grant)."""
    groups = {name: (parent, patterns) for name, parent, _kind, _scope, patterns in GROUPS}
    member_of = next(g for u, *_rest, g, _heads in EMPLOYEES if u == username)
    per_group: list[list[str]] = []
    for name in member_of:
        while name is not None:
            parent, own = groups[name]
            per_group.append(own)
            name = parent
    return per_group


def _allows(role: str, model) -> callable:
    meta = model._meta
    per_group = declared_patterns(ROLES[role])

    def allows(act: str) -> bool:
        permission = f"{meta.app_label}.{act}_{meta.model_name}"
        return any(patterns_grant(patterns, permission) for patterns in per_group)

    return allows


def expected_status(role: str, endpoint: Endpoint, operation: str) -> int:
    if role == "anonymous":
        return 401
    if role == "portal":
        return 403
    action, success = OPERATIONS[operation]
    if role == "admin":
        return 405 if operation == "delete" and endpoint.delete_refused else success
    allows = _allows(role, endpoint.perm_model or endpoint.model)
    action = (endpoint.perm_actions or {}).get(action, action)

    if not allows(action):
        if operation == "retrieve" and viewable_through_tasks(endpoint.perm_model or endpoint.model):
            # a task about the record would open it (involvement); with none, it is not found
            # (tests/processes_business/test_involvement.py has the records with tasks)
            return 404
        return 403
    if operation == "delete" and endpoint.delete_refused:
        return 405
    if operation in ("retrieve", "update", "delete") and not allows("view"):
        return 404
    return success


def _operations(endpoint: Endpoint) -> list[str]:
    ops = ["list", "retrieve"]
    if endpoint.create:
        ops.append("create")
    if endpoint.change:
        ops.append("update")
    if endpoint.delete or endpoint.delete_refused:
        ops.append("delete")
    return ops


def _call(client, endpoint: Endpoint, operation: str, user, fallback_owner):
    # records for callers without staff rights (anonymous, portal) belong to someone else
    owner = (
        user
        if user is not None and user.username in ROLES.values() and user.username != "portal.customer"
        else fallback_owner
    )
    if operation == "list":
        return client.get(endpoint.path)
    if operation == "create":
        return client.post(endpoint.path, endpoint.create(owner), format=endpoint.format)
    record = endpoint.make(owner)
    url = f"{endpoint.path}{record.pk}/"
    if operation == "retrieve":
        return client.get(url)
    if operation == "update":
        return client.patch(url, endpoint.change, format="json")
    return client.delete(url)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(demo, client_for, endpoint):
    mismatches = []
    for role in ROLES:
        user = demo[role]
        client = client_for(user)
        for operation in _operations(endpoint):
            expected = expected_status(role, endpoint, operation)
            response = _call(client, endpoint, operation, user, demo["sales_manager"])
            if response.status_code != expected:
                mismatches.append(
                    f"{role:14} {operation:8} expected {expected}, got {response.status_code}: "
                    f"{response.content[:200]!r}"
                )
            elif expected >= 400:
                assert set(response.json()) == {"code", "message", "fields", "location"}
    assert not mismatches, f"{endpoint.path}\n" + "\n".join(mismatches)


def expected_action_status(role: str, action: Action) -> int:
    if role == "anonymous":
        return 401
    if role == "portal":
        return 403
    if role == "admin":
        return action.success
    allows = _allows(role, action.model)
    if not allows(action.operation):
        return 403
    if action.detail and not allows("view"):
        return 404
    return action.success


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_action_permission_matrix(demo, client_for, action):
    mismatches = []
    for role in ROLES:
        user = demo[role]
        owner = user if role not in ("anonymous", "portal") else demo["sales_manager"]
        response = action.call(client_for(user), owner)
        expected = expected_action_status(role, action)
        if response.status_code != expected:
            mismatches.append(
                f"{role:14} expected {expected}, got {response.status_code}: {response.content[:200]!r}"
            )
        elif expected >= 400:
            assert set(response.json()) == {"code", "message", "fields", "location"}
    assert not mismatches, f"{action.name}\n" + "\n".join(mismatches)


NON_ENTITY = [
    # path, method, {role: expected}; roles not named expect the default (staff 200, 401/403 others)
    ("/api/v1/me/", "get", {}),
    ("/api/v1/reports/", "get", {}),
    ("/api/v1/tokens/", "get", {}),
    ("/api/v1/groups/", "get", {}),
    ("/api/v1/tasks/", "get", {}),
    ("/api/v1/tasks/counts/", "get", {}),
    ("/api/v1/process-definitions/", "get", {}),
    ("/api/v1/process-instances/", "get", {}),
    ("/api/v1/incidents/", "get", {}),
    ("/api/v1/stock-moves/", "get", {"dispatcher": 403, "technician": 403}),
    ("/api/v1/custom-fields/", "get", {"dispatcher": 403, "technician": 403}),
    (
        "/api/v1/audit-events/",
        "get",
        {"sales_manager": 403, "salesperson": 403, "dispatcher": 403, "technician": 403},
    ),
    (
        "/api/v1/messages/",
        "post",
        {"admin": 200, "sales_manager": 403, "salesperson": 403, "dispatcher": 403, "technician": 403},
    ),
    (
        "/api/v1/groups/",
        "post",
        {"admin": 201, "sales_manager": 403, "salesperson": 403, "dispatcher": 403, "technician": 403},
    ),
]


@pytest.mark.parametrize(
    ("path", "method", "overrides"), NON_ENTITY, ids=lambda v: v if isinstance(v, str) else ""
)
def test_non_entity_endpoints(demo, client_for, path, method, overrides):
    bodies = {"/api/v1/messages/": {"name": "nobody_waits"}, "/api/v1/groups/": {"name": "matrix_group"}}
    mismatches = []
    for role, user in demo.items():
        default = 401 if role == "anonymous" else 403 if role == "portal" else 200
        expected = overrides.get(role, default)
        client = client_for(user)
        response = (
            client.get(path) if method == "get" else client.post(path, bodies.get(path, {}), format="json")
        )
        if response.status_code != expected:
            mismatches.append(
                f"{role}: expected {expected}, got {response.status_code} {response.content[:150]!r}"
            )
    assert not mismatches, f"{method.upper()} {path}\n" + "\n".join(mismatches)
