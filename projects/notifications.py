"""The project notification templates: the assignee hears of a new task, the team of a new post in
the discussion."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from integrations.models import Channel
    from integrations.templates_registry import register_template

    register_template(
        "project_task_assigned",
        title=_("New project task: {task}"),
        body=_("{task} in the project {project} is yours, due {due}."),
        sms=_("Baton: project task {task} ({project}), due {due}"),
        channels=(Channel.IN_APP, Channel.EMAIL),
    )
    register_template(
        "project_comment",
        title=_("{author} in {project}"),
        body=_("{author} wrote in the project {project}: {text}"),
        channels=(Channel.IN_APP,),
    )
