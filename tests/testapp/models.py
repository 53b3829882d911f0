from django.conf import settings
from django.db import models
from django.db.models import Q

from org.permissions import ACTIONS, VisibleQuerySet


class NoteQuerySet(VisibleQuerySet):
    owner_field = "owner"

    def shared_filter(self, user, action):
        if action != "view":
            return None
        # A subquery, not a join: a join on the M2M would repeat rows shared with several users.
        return Q(pk__in=Note.shared_with.through.objects.filter(user_id=user.pk).values("note_id"))


class Note(models.Model):
    """An owned record, shared with extra readers: the shape of a customer card."""

    title = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shared_with = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    objects = NoteQuerySet.as_manager()

    # What BPMN service tasks (update_record) may set on a note.
    PROCESS_UPDATABLE_FIELDS = ("title",)

    class Meta:
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.title
