"""The notification a learner gets when a course is assigned to them."""

from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from integrations.templates_registry import register_template

COURSE_ASSIGNED = "training_course_assigned"


def register() -> None:
    register_template(
        COURSE_ASSIGNED,
        title=_("Course to complete: {course}"),
        body=_("{assigned_by} assigned you the course {course}; complete it by {due}."),
        sms=_("Baton: complete the course {course} by {due}"),
        channels=(Channel.IN_APP, Channel.EMAIL),
    )
