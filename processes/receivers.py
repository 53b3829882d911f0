"""Wiring to the rest of the system: business events start bound processes."""

from django.dispatch import receiver

from core.events import business_event

from .services import start_for_event


@receiver(business_event, dispatch_uid="processes_start_bound_process")
def _start_bound_process(sender, name, business_object=None, actor=None, variables=None, **kwargs):
    return start_for_event(name=name, business_object=business_object, actor=actor, variables=variables)
