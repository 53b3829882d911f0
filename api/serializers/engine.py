"""Process definitions, instances, history, incidents, human tasks and messages."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engine import summaries
from engine.operations import masked
from engine.selectors import DefinitionVersion, HumanTask, Incident, InstanceEvent, ProcessInstance

from .base import OutputModelSerializer, _NoContext
from .org import UserBriefSerializer


class DefinitionVersionSerializer(serializers.ModelSerializer):
    file_names = serializers.SerializerMethodField()
    deployed_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DefinitionVersion
        fields = [
            "id",
            "key",
            "version",
            "name",
            "active",
            "content_hash",
            "file_names",
            "deployed_by",
            "deployed_at",
        ]
        read_only_fields = fields

    def get_file_names(self, obj) -> list[str]:
        return sorted(obj.files or {})


class DefinitionUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        max_length=50,
        help_text="BPMN/DMN files and JSON-schema forms (multipart, repeat the `files` field).",
    )
    activate = serializers.BooleanField(
        default=True, help_text="Make the new version the one new instances start on."
    )


class FindingSerializer(serializers.Serializer):
    severity = serializers.CharField()
    message = serializers.CharField()
    file = serializers.CharField(allow_blank=True, required=False)
    element_id = serializers.CharField(allow_blank=True, required=False)
    element_name = serializers.CharField(allow_blank=True, required=False)
    line = serializers.IntegerField(allow_null=True, required=False)


class ValidationReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    key = serializers.CharField(allow_blank=True)
    findings = serializers.ListField(
        child=serializers.DictField(), help_text="Each finding located on a file/element."
    )


class DeployResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="False when the same content was already deployed.")
    definition = DefinitionVersionSerializer()
    findings = serializers.ListField(child=serializers.DictField())


class BusinessObjectSerializer(serializers.Serializer):
    type = serializers.RegexField(
        r"^[a-z0-9_]+\.[a-z0-9_]+$", help_text='"app_label.model", e.g. "crm.customer".'
    )
    id = serializers.CharField(max_length=64)


def business_object_ref(obj) -> dict | None:
    """The business object an instance or task is about: its type label, id and label."""
    if not obj.business_object_type_id:
        return None
    ct = ContentType.objects.get_for_id(obj.business_object_type_id)  # (cached per process)
    label = obj.business_object_label
    return {"type": f"{ct.app_label}.{ct.model}", "id": obj.business_object_id, "label": label}


class ProcessInstanceSerializer(OutputModelSerializer):
    definition_version = serializers.IntegerField(source="definition.version", read_only=True)
    started_by = UserBriefSerializer(read_only=True, allow_null=True)
    business_object = serializers.SerializerMethodField()

    class Meta:
        model = ProcessInstance
        fields = [
            "id",
            "key",
            "definition",
            "definition_version",
            "status",
            "suspended",
            "started_by",
            "business_object",
            "variables",
            "started_at",
            "updated_at",
            "ended_at",
        ]
        read_only_fields = fields

    def get_business_object(self, obj) -> dict | None:
        return business_object_ref(obj)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "variables" in data:  # values under secret-looking names never leave masked
            data["variables"] = masked(data["variables"] or {})
        return data


class InstanceSuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class InstanceTaskReassignSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, help_text="Id of an open task of this instance.")
    assignee = serializers.IntegerField(min_value=1, help_text="Id of the user who gets the task.")


class InstanceTaskDueSerializer(serializers.Serializer):
    task = serializers.IntegerField(min_value=1, help_text="Id of an open task of this instance.")
    due_at = serializers.DateTimeField(allow_null=True)


class MigrationRequestSerializer(serializers.Serializer):
    instances = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=True,
        max_length=1000,
        help_text="Ids of running instances to move (the dry run: all running instances when left out).",
    )


class MigrationLineSerializer(serializers.Serializer):
    instance = serializers.IntegerField()
    label = serializers.CharField()
    from_version = serializers.IntegerField()
    possible = serializers.BooleanField()
    reason = serializers.CharField()


class MigrationResultSerializer(serializers.Serializer):
    moved = serializers.ListField(child=serializers.IntegerField())
    refused = MigrationLineSerializer(many=True)


class ProcessStartSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=200, help_text="Process key; its active version starts.")
    variables = serializers.DictField(required=False, default=dict)
    business_object = BusinessObjectSerializer(required=False, allow_null=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class InstanceEventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = InstanceEvent
        fields = ["id", "kind", "at", "actor", "element_id", "human_task", "data"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = [
            "id",
            "instance",
            "kind",
            "status",
            "element_id",
            "element_name",
            "human_task",
            "message",
            "connector",
            "attempts",
            "next_retry_at",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class TaskSummarySerializer(serializers.Serializer):
    type = serializers.CharField(help_text='"app_label.model" of the business object.')
    id = serializers.CharField()
    line = serializers.CharField(help_text="The business object in one line, as the inbox shows it.")
    data = serializers.DictField(
        allow_null=True,
        help_text="What the task page shows about it: in the answer for one task (lists give null), "
        "and null when you may not see the record.",
    )


class HumanTaskSerializer(OutputModelSerializer):
    assignee = UserBriefSerializer(read_only=True, allow_null=True)
    business_object = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = HumanTask
        fields = [
            "id",
            "instance",
            "definition_key",
            "definition_version",
            "element_id",
            "name",
            "lane",
            "status",
            "assignee",
            "candidate_users",
            "candidate_groups",
            "priority",
            "due_at",
            "follow_up_at",
            "form_key",
            "form_schema",
            "business_object",
            "summary",
            "created_at",
            "claimed_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_business_object(self, obj) -> dict | None:
        return business_object_ref(obj)

    @extend_schema_field(TaskSummarySerializer(allow_null=True))
    def get_summary(self, obj) -> dict | None:
        return None  # the shared fields never see the request: filled in by to_representation

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["summary"] = self._summary(instance)
        return data

    def _request_user(self):
        context = self.context
        if isinstance(context, _NoContext):  # nested in another shared output serializer
            return None
        user = getattr(context.get("request"), "user", None)
        return user if user is not None and user.is_authenticated else None

    def _lines(self, user, obj) -> dict[int, str]:
        """A list's lines are read once for the whole page (one query per kind of object)."""
        parent = self.parent
        rows = getattr(parent, "instance", None) if isinstance(parent, serializers.ListSerializer) else None
        if rows is None or isinstance(rows, dict):
            return summaries.task_lines(user, [obj])
        cached = getattr(parent, "_summary_lines", None)
        if cached is None:
            cached = summaries.task_lines(user, list(rows))
            parent._summary_lines = cached
        return cached

    def _summary(self, obj) -> dict | None:
        """The business object as the caller may see it: its line (the label where they may not
        see the record); for one task also what its page shows (`data`)."""
        user = self._request_user()
        ref = business_object_ref(obj)
        if ref is None or user is None:
            return None
        in_list = isinstance(self.parent, serializers.ListSerializer)
        return {
            "type": ref["type"],
            "id": ref["id"],
            "line": self._lines(user, obj).get(obj.pk) or obj.business_object_label,
            "data": None
            if in_list
            else summaries.data(user, type_id=obj.business_object_type_id, object_id=obj.business_object_id),
        }


class ProcessStepSerializer(ProcessInstanceSerializer):
    """An instance just started, or just moved on by a completed task, with the caller's next
    tasks in it: a client continues with the next form without searching its queue."""

    next_tasks = HumanTaskSerializer(
        many=True,
        read_only=True,
        help_text="Open tasks of this instance the caller can work on now (assigned or offered to them).",
    )

    class Meta(ProcessInstanceSerializer.Meta):
        fields = [*ProcessInstanceSerializer.Meta.fields, "next_tasks"]
        read_only_fields = fields


class TaskCountsSerializer(serializers.Serializer):
    mine = serializers.IntegerField()
    queue = serializers.IntegerField()
    delegated = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Open tasks in my inbox past their due time.")


class TaskCompleteSerializer(serializers.Serializer):
    data = serializers.DictField(required=False, default=dict, help_text="The form's field values.")


class TaskDelegateSerializer(serializers.Serializer):
    to_user = serializers.IntegerField(min_value=1, help_text="Id of the user who gets the task.")


class TaskDueSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField(allow_null=True)


class TaskCommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)
    public = serializers.BooleanField(
        required=False, default=False, help_text="Show the comment to the customer in the portal."
    )


class MessageSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    keys = serializers.DictField(required=False, default=dict, help_text="Correlation keys.")
    payload = serializers.DictField(required=False, default=dict)


class CorrelationResultSerializer(serializers.Serializer):
    matched = serializers.BooleanField()
    message = serializers.CharField()
    started = serializers.ListField(child=serializers.IntegerField())
    resumed = serializers.ListField(child=serializers.IntegerField())
