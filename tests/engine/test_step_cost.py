"""What a two-approval instance costs the database: a start and two completions, each one locking
read that brings the task and the instance's open tasks (with "is it offered to me") and draws a
key for the next task, and their writes sent together
(core.rows.batched: one statement on PostgreSQL, data-modifying CTEs). Counted, never timed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.memo import request_memo
from engine import services
from engine.models import HumanTask, InstanceEvent

pytestmark = pytest.mark.django_db


def _two_approvals(org) -> tuple[list[str], list[str]]:
    """Start, the boss's review, bob's fulfilment; each in a request (core.memo), as the web does.
    The statements sent (less the test's own reads, and the savepoints a test's transaction turns
    each service's transaction into), and the kinds of the history rows written."""
    with CaptureQueriesContext(connection) as sent:
        with request_memo():
            instance = services.start_process("approval", started_by=org.alice)
        review = HumanTask.objects.get(instance=instance, element_id="review")
        with request_memo():
            services.complete_task(review.pk, user=org.boss, data={"approved": True})
        fulfil = HumanTask.objects.get(instance=instance, element_id="fulfil")
        with request_memo():
            services.complete_task(fulfil.pk, user=org.bob, data={})
    statements = [
        q["sql"]
        for q in sent.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        and '"engine_humantask"."element_id" = ' not in q["sql"]  # (the test's reads)
    ]
    kinds = list(InstanceEvent.objects.filter(instance=instance).values_list("kind", flat=True))
    return statements, kinds


@pytest.mark.postgres
def test_a_two_approval_instance_sends_few_statements(deploy, org):
    # given: the approval process, run once (the parsed definition is cached from then on)
    deploy("approval.bpmn")
    _two_approvals(org)
    # when: a second instance runs through
    statements, kinds = _two_approvals(org)
    # then: every history row is there; the writes of each step went in one statement (the keys
    # of its new rows drawn ahead, with the lock or, at the start, on their own): 3 for the
    # instance, 6 while a new task's key was read back first, 20 before they were batched; and the
    # whole instance took 12 statements (16 while the tasks were read apart from the lock and new
    # keys read back), 5 of them the reads of "the initiator's manager" and the candidate user
    # (remembered across requests with a shared cache, which tests have not)
    assert kinds.count("task_completed") == 2 and kinds[-1] == "completed"
    writes = [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) <= 3, writes
    assert len(statements) <= 12, statements


def test_the_batched_step_writes_what_each_statement_alone_wrote(deploy, org):
    # given / when: an instance runs through (on SQLite the held writes are sent one by one)
    deploy("approval.bpmn")
    _statements, kinds = _two_approvals(org)
    # then: the same history, tasks and audit rows as ever
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert kinds.count("task_created") == 2 and kinds.count("task_completed") == 2
    assert HumanTask.objects.filter(status="completed").count() == 2
    from audit.models import AuditEvent

    operations = [e.extra.get("operation") for e in AuditEvent.objects.order_by("pk")]
    assert operations.count("complete") == 2 and operations.count("start") == 1
