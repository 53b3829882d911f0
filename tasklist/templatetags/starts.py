"""`{% start_buttons record %}`: a button per process the viewer may start from this record."""

from django import template

from processes.selectors import startable_processes

register = template.Library()


@register.inclusion_tag("tasklist/_start_buttons.html", takes_context=True)
def start_buttons(context, record):
    request = context.get("request")
    user = getattr(request, "user", None)
    kind = f"{record._meta.app_label}.{record._meta.model_name}"
    processes = startable_processes(user, record_type=kind) if user is not None else []
    return {"processes": processes, "record": record}
