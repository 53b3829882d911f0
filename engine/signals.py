"""Signals the engine sends after the step's transaction commits.

Domain apps (notifications, CRM stage updates, ...) connect receivers here; the engine never
imports them. Every signal is sent with `sender=ProcessInstance` and keyword arguments:

- task_created(instance, human_task)
- task_completed(instance, human_task, user, data)
- instance_started(instance)
- instance_ended(instance, status)  # completed or cancelled
- incident_created(instance, incident)
- message_thrown(name, keys, payload), signal_thrown(name, payload): what a step threw that none of
  its own tasks caught (engine.tasks delivers them to other instances)
"""

from django.dispatch import Signal

task_created = Signal()
task_completed = Signal()
instance_started = Signal()
instance_ended = Signal()
incident_created = Signal()
message_thrown = Signal()
signal_thrown = Signal()
