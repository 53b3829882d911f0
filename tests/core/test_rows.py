"""core.rows writes what the ORM writes: the same columns and values (defaults, auto_now, JSON,
foreign keys, an inet address), primary keys set on insert, counts on update; on PostgreSQL and
SQLite alike (the suite runs on both)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from core import rows
from engine.models import InstanceState, ProcessInstance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _stored(model, pk, exclude=("id",)):
    """The row as the database holds it, read back through the ORM."""
    obj = model.objects.get(pk=pk)
    return {
        f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if f.attname not in exclude
    }


@pytest.fixture
def definition(db):
    from engine import services
    from tests.engine.conftest import bpmn

    return services.definition_deploy(files=bpmn("approval.bpmn"))


def _instance(definition, user):
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    return ProcessInstance(
        definition=definition,
        key=definition.key,
        started_by=user,
        variables={"amount": 12.5, "名字": "张伟"},
        completed_elements=["start"],
        started_at=at,
        updated_at=at,
    )


def test_insert_stores_what_save_stores_and_sets_the_keys(definition):
    user = UserFactory()
    by_orm, by_rows, second = (_instance(definition, user) for _ in range(3))
    by_orm.save()
    rows.insert([by_rows, second])
    assert by_rows.pk and second.pk and len({by_orm.pk, by_rows.pk, second.pk}) == 3
    assert not by_rows._state.adding
    assert _stored(ProcessInstance, by_rows.pk) == _stored(ProcessInstance, by_orm.pk)
    assert _stored(ProcessInstance, by_rows.pk)["variables"]["名字"] == "张伟"
    # a model whose key is given (the state of an instance): no key to read back
    rows.insert([InstanceState(instance=by_rows, serializer_version="v", data="{}", size=2)])
    assert InstanceState.objects.get(pk=by_rows.pk).data == "{}"


def test_insert_fills_defaults_and_an_inet_address():
    event = AuditEvent(action=AuditEvent.Action.CHANGE, actor_label="x", ip="10.0.0.1", extra={"via": "api"})
    before = timezone.now()
    rows.insert([event])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at >= before and stored.ip == "10.0.0.1" and stored.extra == {"via": "api"}


def test_update_writes_what_save_with_update_fields_writes(definition):
    user = UserFactory()
    by_orm, by_rows = _instance(definition, user), _instance(definition, user)
    rows.insert([by_orm, by_rows])
    for obj in (by_orm, by_rows):
        obj.status = ProcessInstance.Status.COMPLETED
        obj.variables = {"approved": True, "total": 6000.0}
        obj.ended_at = dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
        obj.started_by = None
        obj.key = "not written"  # (not in the fields given)
    by_orm.save(update_fields=["status", "variables", "ended_at", "started_by"])
    assert rows.update(by_rows, ["status", "variables", "ended_at", "started_by"]) == 1
    assert _stored(ProcessInstance, by_rows.pk) == _stored(ProcessInstance, by_orm.pk)
    assert _stored(ProcessInstance, by_rows.pk)["key"] == definition.key
    ProcessInstance.objects.filter(pk=by_rows.pk).delete()
    assert rows.update(by_rows, ["status"]) == 0  # the row is gone


def test_update_where_changes_the_matching_rows_only(definition):
    user = UserFactory()
    first, second = _instance(definition, user), _instance(definition, user)
    rows.insert([first, second])
    assert rows.update_where(ProcessInstance, {"step_count": 7, "variables": {"a": 1}}, id=first.pk) == 1
    assert _stored(ProcessInstance, first.pk)["step_count"] == 7
    assert _stored(ProcessInstance, first.pk)["variables"] == {"a": 1}
    assert _stored(ProcessInstance, second.pk)["step_count"] == 0
    assert rows.update_where(ProcessInstance, {"status": "error"}, started_by_id=user.pk) == 2


def test_without_returning_the_keys_are_still_set(definition, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    user = UserFactory()
    first, second = _instance(definition, user), _instance(definition, user)
    rows.insert([first, second])
    assert first.pk and second.pk and first.pk != second.pk
    assert ProcessInstance.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_deferred_writes_wait_for_the_batch_and_are_never_read_around(definition):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    first, second = _instance(definition, user), _instance(definition, user)
    rows.insert([first, second])
    with transaction.atomic(), CaptureQueriesContext(connection) as sent, rows.batched():
        first.step_count, second.step_count = 3, 4
        rows.update(first, ["step_count"], defer=True)
        rows.update_where(ProcessInstance, {"step_count": 4}, id=second.pk, defer=True)
        rows.insert([AuditEvent(action=AuditEvent.Action.CHANGE, actor_label="held")], defer=True)
        assert len(sent) == 0  # held
        # a read of a table they touch sends them first: it sees them
        assert ProcessInstance.objects.get(pk=first.pk).step_count == 3
        held = len(sent)
        rows.insert([AuditEvent(action=AuditEvent.Action.CHANGE, actor_label="at the end")], defer=True)
    assert AuditEvent.objects.filter(actor_label__in=["held", "at the end"]).count() == 2
    assert _stored(ProcessInstance, second.pk)["step_count"] == 4
    if connection.vendor == "postgresql":  # one statement each time (data-modifying CTEs)
        assert held == 2 and len(sent) == 3
    else:  # one by one
        assert held == 4 and len(sent) == 5


def test_a_rolled_back_savepoint_drops_the_deferred_writes_made_inside_it(definition):
    from django.db import transaction

    user = UserFactory()
    instance = _instance(definition, user)
    rows.insert([instance])
    with transaction.atomic(), rows.batched():
        rows.update_where(ProcessInstance, {"step_count": 1}, id=instance.pk, defer=True)
        try:
            with transaction.atomic():
                rows.update_where(ProcessInstance, {"step_count": 2}, id=instance.pk, defer=True)
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        rows.insert([AuditEvent(action=AuditEvent.Action.CHANGE, actor_label="after")], defer=True)
    assert _stored(ProcessInstance, instance.pk)["step_count"] == 1
    assert AuditEvent.objects.filter(actor_label="after").exists()


def test_an_insert_that_needs_its_keys_carries_the_held_writes(definition):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    first = _instance(definition, user)
    rows.insert([first])
    with transaction.atomic(), CaptureQueriesContext(connection) as sent, rows.batched():
        rows.update_where(ProcessInstance, {"step_count": 9}, id=first.pk, defer=True)
        second = _instance(definition, user)
        rows.insert([second])
        assert second.pk and second.pk != first.pk
    assert _stored(ProcessInstance, first.pk)["step_count"] == 9
    assert len(sent) == (1 if connection.vendor == "postgresql" else 2)


@pytest.mark.parametrize("read_between", [False, True])
def test_an_update_of_a_row_whose_insert_is_held_is_stored(definition, read_between):
    # given a new row with its key drawn ahead (persistence.new_keys), its insert held
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from engine import persistence

    user = UserFactory()
    instance = _instance(definition, user)
    instance.pk = (persistence.new_keys(ProcessInstance) or [10**9])[0]
    with transaction.atomic(), CaptureQueriesContext(connection) as sent, rows.batched():
        rows.insert([instance], defer=True)
        if read_between:  # (something in between reads the table: the insert goes first)
            assert ProcessInstance.objects.filter(pk=instance.pk).exists()
        # when the same step changes it and writes the change, held too
        instance.step_count, instance.variables = 5, {"amount": 99}
        rows.update(instance, ["step_count", "variables"], defer=True)
        rows.insert([AuditEvent(action=AuditEvent.Action.CHANGE, actor_label="with it")], defer=True)
    # then the row holds the change, whether the insert carried it or an update followed it
    stored = _stored(ProcessInstance, instance.pk)
    assert stored["step_count"] == 5 and stored["variables"] == {"amount": 99}
    assert AuditEvent.objects.filter(actor_label="with it").exists()
    if connection.vendor == "postgresql" and not read_between:
        assert len(sent) == 1  # (the insert, rewritten, and the audit row: one statement)


# --- the values an insert sends: the shortcut for plain values agrees with the ORM --------------

_plain_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.text(max_size=20),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))])),
    st.datetimes(),  # naive: the ORM's way (it warns and makes them aware)
    st.builds(lambda s: gettext_lazy(s), st.sampled_from(["Approve", "Inbox"])),
    st.decimals(allow_nan=False, allow_infinity=False, places=0, min_value=0, max_value=10**6),
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (naive datetimes, as the ORM warns)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_value_an_insert_sends_is_what_the_orm_sends(data):
    from django.db import connection

    from engine.models import HumanTask, InstanceEvent

    for model in (HumanTask, InstanceEvent):
        fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
        plan = rows._plan(model, tuple(f.attname for f in fields), "default")
        obj = model()
        for field, attname, kept in plan:
            if kept is not None:
                setattr(obj, attname, data.draw(_plain_values, label=attname))

        def orm(field):
            try:
                return ("value", field.get_db_prep_save(field.pre_save(obj, True), connection))
            except Exception as error:  # the ORM refuses it: so must the insert
                return ("error", type(error))

        for field, _attname, kept in plan:
            if kept is None:  # (the ORM's own way, by construction)
                continue
            expected = orm(field)
            try:
                sent: list = []
                rows._field_values(obj, [(f, a, k) for f, a, k in plan if f is field], connection, sent)
                got = ("value", sent[0])
            except Exception as error:
                got = ("error", type(error))
            assert got == expected and type(got[1]) is type(expected[1]), field.name
