"""The engine's public API: every write to a process instance goes through these functions.

Each runs in one database transaction and locks the instance row (`SELECT ... FOR UPDATE`), so two
workers never advance one instance at once; a worker dying mid-step rolls the whole step back.
The projections (HumanTask, Timer, MessageSubscription, InstanceEvent, Incident) are written in
the same transaction as the state; signals go out after commit.

This module is the front: the work is done in engine.definitions (deploying), engine.instances
(start, cancel), engine.human_tasks (complete, claim, delegate...), engine.waits (messages,
signals, timers), engine.incidents and engine.operations (what administrators do to running
instances: suspend, reassign, migrate...), each moving an instance through engine.step.
"""

from __future__ import annotations

from .connectors import register_connector
from .decisions import decision_tables, decision_test
from .decisions import literal as decision_literal
from .definitions import definition_activate, definition_deploy, start_form_schema, with_called_definitions
from .dryrun import DryRun, SampleRejected, dry_run
from .forms import ENGINE_VARIABLES, OWNED_VARIABLES
from .human_tasks import (
    add_comment,
    claim,
    complete_task,
    complete_task_step,
    delegate,
    is_task_admin,
    register_form_validator,
    set_due,
    unclaim,
    unregister_form_validator,
)
from .incidents import retry_due_incidents, retry_incident
from .instances import cancel_instance, start_process, start_process_step
from .migration import migrate_instance
from .operations import (
    MigrationLine,
    instance_resume,
    instance_suspend,
    instance_variables,
    is_process_admin,
    migrate_instances,
    migration_plan,
    task_reassign,
    task_set_due,
    tasks_hand_over,
)
from .projection import OpenTask, correlation_hash
from .step import StepResult
from .waits import CorrelationResult, broadcast_signal, correlate_message, fire_due_timers

__all__ = [
    "ENGINE_VARIABLES",
    "OWNED_VARIABLES",
    "CorrelationResult",
    "DryRun",
    "MigrationLine",
    "OpenTask",
    "SampleRejected",
    "StepResult",
    "add_comment",
    "broadcast_signal",
    "cancel_instance",
    "claim",
    "complete_task",
    "complete_task_step",
    "correlate_message",
    "correlation_hash",
    "decision_literal",
    "decision_tables",
    "decision_test",
    "definition_activate",
    "definition_deploy",
    "delegate",
    "dry_run",
    "fire_due_timers",
    "instance_resume",
    "instance_suspend",
    "instance_variables",
    "is_process_admin",
    "is_task_admin",
    "migrate_instance",
    "migrate_instances",
    "migration_plan",
    "register_connector",
    "register_form_validator",
    "retry_due_incidents",
    "retry_incident",
    "set_due",
    "start_form_schema",
    "start_process",
    "start_process_step",
    "task_reassign",
    "task_set_due",
    "tasks_hand_over",
    "unclaim",
    "unregister_form_validator",
    "with_called_definitions",
]
