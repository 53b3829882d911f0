"""Engine endpoints: process definitions, instances, incidents, human tasks and messages.

Views are thin: they parse input, call engine/processes services (which decide who may claim,
complete, cancel...) and serialize the result. Rows are scoped by the base viewset.
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from engine import selectors as engine_selectors
from engine import services as engine
from engine.errors import TaskNotFound
from engine.selectors import HumanTask, Incident, ProcessInstance
from engine.selectors import api as engine_reads
from org.permissions import user_can
from processes import services as process_services
from processes.services import process_start_by_hand_step
from processes.validation import definition_validate

from ..filters import BIGINT_MAX, IdFilter
from ..permissions import EntityPermission, IsStaffMember
from ..serializers.engine import (
    CancelSerializer,
    CorrelationResultSerializer,
    DefinitionUploadSerializer,
    DefinitionVersionSerializer,
    DeployResultSerializer,
    HumanTaskSerializer,
    IncidentSerializer,
    InstanceEventSerializer,
    InstanceSuspendSerializer,
    InstanceTaskDueSerializer,
    InstanceTaskReassignSerializer,
    MessageSerializer,
    MigrationLineSerializer,
    MigrationRequestSerializer,
    MigrationResultSerializer,
    ProcessInstanceSerializer,
    ProcessStartSerializer,
    ProcessStepSerializer,
    TaskCommentSerializer,
    TaskCompleteSerializer,
    TaskCountsSerializer,
    TaskDelegateSerializer,
    TaskDueSerializer,
    ValidationReportSerializer,
)
from ..viewsets import BatonReadOnlyViewSet

# -- process definitions ---------------------------------------------------------------------------


def _uploaded(files) -> dict[str, bytes]:
    return {f.name: f.read() for f in files}


@extend_schema_view(
    list=extend_schema(summary="List deployed process definition versions (filter by key to see versions)"),
    retrieve=extend_schema(summary="Get one definition version"),
)
class DefinitionVersionViewSet(BatonReadOnlyViewSet):
    queryset = engine_reads.definition_versions()
    serializer_class = DefinitionVersionSerializer
    filterset_fields = ["key", "active", "version"]
    search_fields = ["key", "name"]
    ordering_fields = ["key", "version", "deployed_at"]
    action_permissions = {
        "bpmn": "view",
        "validate": "add",
        "deploy": "add",
        "activate": "change",
        "migration_plan": "change",
        "migrate": "change",
    }

    @extend_schema(
        summary="Dry run: which running instances of this process can move to this version, and why not",
        request=MigrationRequestSerializer,
        responses=MigrationLineSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="migration-plan")
    def migration_plan(self, request, pk=None):
        definition = self.get_object()
        data = MigrationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = engine.migration_plan(
            definition.key,
            to_version=definition.version,
            user=request.user,
            instance_ids=data.validated_data.get("instances"),
        )
        return Response(MigrationLineSerializer([line.as_dict() for line in lines], many=True).data)

    @extend_schema(
        summary="Move the listed running instances to this version (each re-checked as in the dry run)",
        request=MigrationRequestSerializer,
        responses=MigrationResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def migrate(self, request, pk=None):
        definition = self.get_object()
        data = MigrationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data.get("instances") or []
        if not ids:
            raise ValidationError({"instances": [_("List the instances to move (see the dry run).")]})
        moved, refused = engine.migrate_instances(
            definition.key, to_version=definition.version, user=request.user, instance_ids=ids
        )
        return Response({"moved": moved, "refused": [line.as_dict() for line in refused]})

    @extend_schema(
        summary="Make this version the one new instances start on (also a rollback)",
        request=None,
        responses=DefinitionVersionSerializer,
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        definition = self.get_object()
        process_services.definition_activate(
            actor=request.user, key=definition.key, version=definition.version
        )
        return Response(DefinitionVersionSerializer(self.base_queryset().get(pk=definition.pk)).data)

    @extend_schema(
        summary="Download a BPMN/DMN file of this version",
        parameters=[OpenApiParameter("file", str, description="File name; default: the first BPMN file.")],
        responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="The file")},
    )
    @action(detail=True, methods=["get"])
    def bpmn(self, request, pk=None):
        definition = self.get_object()
        files = engine_reads.definition_files(definition.pk)
        name = request.query_params.get("file") or next(
            (n for n in sorted(files) if n.lower().endswith((".bpmn", ".bpmn2", ".xml"))), None
        )
        if name not in files:
            raise NotFound(_("This version has no file named %(name)s.") % {"name": name or ""})
        response = HttpResponse(files[name], content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name.replace(chr(34), "")}"'
        return response

    @extend_schema(
        summary="Validate BPMN/DMN files without deploying them",
        request={"multipart/form-data": DefinitionUploadSerializer},
        responses=ValidationReportSerializer,
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def validate(self, request):
        upload = DefinitionUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        report = definition_validate(_uploaded(upload.validated_data["files"]))
        return Response(
            {"ok": report.ok, "key": report.key, "findings": [f.as_dict() for f in report.findings]}
        )

    @extend_schema(
        summary="Validate and deploy BPMN/DMN files (same content again = same version)",
        request={"multipart/form-data": DefinitionUploadSerializer},
        responses={201: DeployResultSerializer, 200: DeployResultSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def deploy(self, request):
        upload = DefinitionUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        files = _uploaded(upload.validated_data["files"])
        activate = upload.validated_data["activate"]
        result = process_services.definition_deploy(files=files, actor=request.user, activate=activate)
        definition, created = result.definition, result.created
        findings = [f.as_dict() for f in result.report.findings]
        body = {
            "created": created,
            "definition": DefinitionVersionSerializer(definition).data,
            "findings": findings,
        }
        return Response(body, status=201 if created else 200)


# -- process instances -----------------------------------------------------------------------------


class ProcessInstanceFilter(filters.FilterSet):
    key = filters.CharFilter()
    status = filters.ChoiceFilter(choices=ProcessInstance.Status.choices)
    started_by = IdFilter(field_name="started_by_id")
    business_object_type = filters.CharFilter(
        method="filter_bo_type", help_text='"app_label.model" of the business object, e.g. "crm.customer".'
    )
    business_object_id = filters.CharFilter()
    started_after = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = ProcessInstance
        fields = ["key", "status", "started_by", "business_object_id"]

    def filter_bo_type(self, queryset, name, value):
        app_label, _sep, model = value.partition(".")
        return queryset.filter(business_object_type__app_label=app_label, business_object_type__model=model)


def _business_object(user, ref: dict | None):
    """The referenced record, if it exists and the caller may see it."""
    if not ref:
        return None
    try:
        model = apps.get_model(ref["type"])
    except (LookupError, ValueError):
        raise ValidationFailed(
            _("Unknown business object type."), fields={"business_object": [_("Unknown type.")]}
        ) from None
    queryset = model._default_manager.all()
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(user, "view")
    elif not user_can(user, model, "view"):
        raise NotPermitted(_("You may not see this business object."))
    try:
        obj = queryset.filter(pk=ref["id"]).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise ValidationFailed(
            _("The business object does not exist or is not visible to you."),
            fields={"business_object": [_("Not found.")]},
        )
    return obj


def _step(step: engine.StepResult, user) -> dict:
    """The instance with the open tasks of it that `user` can work on now."""
    instance = step.instance
    instance.next_tasks = engine_selectors.next_tasks(step, user)
    return ProcessStepSerializer(instance).data


@extend_schema_view(
    list=extend_schema(summary="List process instances visible to me"),
    retrieve=extend_schema(summary="Get a process instance"),
)
class ProcessInstanceViewSet(BatonReadOnlyViewSet):
    queryset = engine_reads.process_instances()
    serializer_class = ProcessInstanceSerializer
    filterset_class = ProcessInstanceFilter
    search_fields = ["key", "business_object_label"]
    ordering_fields = ["started_at", "updated_at", "key"]
    # Starting: any employee may start a process (the engine records who did); cancel: the service
    # decides (the starter or an administrator).
    # Administrators' operations: "change" on instances, and the engine checks the same again.
    action_permissions = {
        "create": None,
        "history": "view",
        "cancel": "view",
        "incidents": "view",
        "suspend": "change",
        "resume": "change",
        "variables": "change",
        "reassign": "change",
        "set_due": "change",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action != "create" else queryset.none()

    @extend_schema(
        summary="Start the active version of a process by key",
        request=ProcessStartSerializer,
        responses={201: ProcessStepSerializer},
    )
    def create(self, request):
        data = ProcessStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        business_object = _business_object(request.user, data.validated_data.get("business_object"))
        # the same rule as the UI's "Start a request": not event-bound, the manual start admits the
        # caller; what a caller sends is held to the start form (the engine audits the start)
        step = process_start_by_hand_step(
            actor=request.user,
            key=data.validated_data["key"],
            record=business_object,
            form_data=data.validated_data["variables"],
        )
        # The engine's instance is the committed one (its definition, starter and business object
        # are loaded): answered without reading it again.
        return Response(_step(step, request.user), status=201)

    @extend_schema(
        summary="The instance's history (append-only events)", responses=InstanceEventSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        instance = self.get_object()
        events = engine_reads.instance_events(instance)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(InstanceEventSerializer(page, many=True).data)

    @extend_schema(summary="The instance's incidents", responses=IncidentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def incidents(self, request, pk=None):
        instance = self.get_object()
        page = self.paginate_queryset(engine_reads.instance_incidents(instance))
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)

    @extend_schema(
        summary="Cancel a running instance", request=CancelSerializer, responses=ProcessInstanceSerializer
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        instance = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engine.cancel_instance(instance.pk, user=request.user, reason=data.validated_data["reason"])
        return Response(ProcessInstanceSerializer(self.base_queryset().get(pk=instance.pk)).data)

    def _fresh(self, instance) -> Response:
        return Response(ProcessInstanceSerializer(self.base_queryset().get(pk=instance.pk)).data)

    @extend_schema(
        summary="Suspend a running instance (its tasks and timers wait)",
        request=InstanceSuspendSerializer,
        responses=ProcessInstanceSerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        instance = self.get_object()
        data = InstanceSuspendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engine.instance_suspend(instance.pk, user=request.user, reason=data.validated_data["reason"])
        return self._fresh(instance)

    @extend_schema(summary="Resume a suspended instance", request=None, responses=ProcessInstanceSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        instance = self.get_object()
        engine.instance_resume(instance.pk, user=request.user)
        return self._fresh(instance)

    @extend_schema(
        summary="The instance's process data (read only; secrets masked)",
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def variables(self, request, pk=None):
        instance = self.get_object()
        return Response(engine.instance_variables(instance, user=request.user))

    def _open_task(self, instance, task_id: int) -> HumanTask:
        task = engine_reads.instance_task(instance, task_id)
        if task is None:
            raise ValidationError({"task": [_("No such task on this process instance.")]})
        return task

    @extend_schema(
        summary="Give an open task of the instance to a person (administrators)",
        request=InstanceTaskReassignSerializer,
        responses=HumanTaskSerializer,
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        instance = self.get_object()
        data = InstanceTaskReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = self._open_task(instance, data.validated_data["task"])
        to_user = get_user_model().objects.filter(pk=data.validated_data["assignee"], is_active=True).first()
        if to_user is None:
            raise ValidationError({"assignee": [_("Choose an active person.")]})
        task = engine.task_reassign(task.pk, user=request.user, to_user=to_user)
        return Response(HumanTaskSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Change the due date of an open task of the instance (administrators)",
        request=InstanceTaskDueSerializer,
        responses=HumanTaskSerializer,
    )
    @action(detail=True, methods=["post"], url_path="set-due")
    def set_due(self, request, pk=None):
        instance = self.get_object()
        data = InstanceTaskDueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = self._open_task(instance, data.validated_data["task"])
        task = engine.task_set_due(task.pk, user=request.user, due_at=data.validated_data["due_at"])
        return Response(HumanTaskSerializer(task, context=self.get_serializer_context()).data)


class IncidentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Incident.Status.choices)
    kind = filters.ChoiceFilter(choices=Incident.Kind.choices)
    instance = IdFilter(field_name="instance_id")

    class Meta:
        model = Incident
        fields = ["status", "kind", "instance"]


@extend_schema_view(
    list=extend_schema(summary="List incidents of the instances I can see"),
    retrieve=extend_schema(summary="Get an incident"),
)
class IncidentViewSet(BatonReadOnlyViewSet):
    queryset = engine_reads.incidents()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    ordering_fields = ["created_at", "id"]
    action_permissions = {"retry": "change"}

    def base_queryset(self):
        queryset = super().base_queryset().order_by("-id")
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(instance__in=engine_reads.visible_instance_ids(user))

    @extend_schema(
        summary="Retry the failed element (after its cause was fixed)",
        request=None,
        responses=IncidentSerializer,
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        incident = self.get_object()
        incident = engine.retry_incident(incident.pk, user=request.user)
        return Response(IncidentSerializer(incident).data)


# -- human tasks -----------------------------------------------------------------------------------

TASK_VIEWS = ("mine", "queue", "delegated", "done", "all")
HIGH_PRIORITY, LOW_PRIORITY = 70, 30


def _day_start(now):
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


class HumanTaskFilter(filters.FilterSet):
    view = filters.ChoiceFilter(
        choices=[(v, v) for v in TASK_VIEWS],
        method="filter_view",
        help_text="mine (my inbox, default), queue (offered to my groups), delegated (by me), done (by me), "
        "all (every task visible to me).",
    )
    process = filters.CharFilter(field_name="definition_key", help_text="Process key.")
    name = filters.CharFilter(help_text="Task name.")
    status = filters.ChoiceFilter(choices=HumanTask.Status.choices)
    due = filters.ChoiceFilter(
        choices=[("overdue", "overdue"), ("today", "today"), ("week", "week")], method="filter_due"
    )
    priority = filters.ChoiceFilter(
        choices=[("high", "high"), ("normal", "normal"), ("low", "low")], method="filter_priority"
    )
    q = filters.CharFilter(method="filter_text", help_text="Words in the task's searchable text or subject.")
    business_object_id = filters.CharFilter()

    class Meta:
        model = HumanTask
        fields = ["process", "name", "status", "business_object_id"]

    def filter_view(self, queryset, name, value):
        return queryset  # applied by the view (it decides the base set)

    def filter_due(self, queryset, name, value):
        now = timezone.now()
        if value == "overdue":
            return queryset.filter(due_at__lt=now)
        start = _day_start(now)
        if value == "today":
            return queryset.filter(due_at__gte=start, due_at__lt=start + timedelta(days=1))
        return queryset.filter(due_at__lt=start + timedelta(days=7 - start.weekday()))

    def filter_priority(self, queryset, name, value):
        if value == "high":
            return queryset.filter(priority__gte=HIGH_PRIORITY)
        if value == "low":
            return queryset.filter(priority__lte=LOW_PRIORITY)
        return queryset.filter(priority__gt=LOW_PRIORITY, priority__lt=HIGH_PRIORITY)

    def filter_text(self, queryset, name, value):
        for word in value.split()[:5]:
            queryset = queryset.filter(
                Q(search_text__icontains=word) | Q(business_object_label__icontains=word)
            )
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary="My tasks: inbox, group queue, delegated, done (same filters as the task list)"
    ),
    retrieve=extend_schema(summary="Get a task with its form schema"),
)
class HumanTaskViewSet(BatonReadOnlyViewSet):
    """Claim/unclaim/delegate/complete are decided by the engine (assignee, candidates, admins);
    the caller must be able to see the task."""

    queryset = engine_reads.tasks()
    serializer_class = HumanTaskSerializer
    filterset_class = HumanTaskFilter
    ordering_fields = ["due_at", "priority", "created_at"]
    action_permissions = {
        "counts": "view",
        "claim": "view",
        "unclaim": "view",
        "delegate": "view",
        "complete": "view",
        "due": "view",
        "comment": "view",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return engine_reads.no_tasks()
        user = self.request.user
        if not user_can(user, HumanTask, "view"):
            return engine_reads.no_tasks()
        related = ("assignee",)
        if self.action == "list":
            view = self.request.query_params.get("view") or "mine"
            if view not in TASK_VIEWS:
                view = "mine"  # the filterset rejects it with a 400
            return (
                engine_selectors.task_view(user, view)
                .select_related(*related)
                .order_by(F("due_at").asc(nulls_last=True), "-priority", "pk")
            )
        return engine_selectors.viewable_tasks(user).select_related(*related).order_by("-id")

    def _task_pk(self) -> int:
        """The task id of the URL; beyond the id column's range: not found, without a query."""
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            pk = 0
        if not 0 < pk <= BIGINT_MAX:
            raise TaskNotFound(_("Task %(id)s does not exist.") % {"id": self.kwargs["pk"]})
        return pk

    def get_object(self):
        pk = self._task_pk()
        obj = self._own_task(pk) or self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise TaskNotFound(_("Task %(id)s does not exist.") % {"id": self.kwargs["pk"]})
        return obj

    def _own_task(self, pk: int) -> HumanTask | None:
        """The common case first, in one simple query: a task the caller is assigned, completed
        or was offered (they see it whatever their row scope). None: ask the full visibility rule
        (row scope, shares), which also answers 404 for tasks the caller may not see."""
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user_can(user, HumanTask, "view"):
            return None
        task = engine_reads.task_with_offered(user, pk)  # (pk is unique: no ORDER BY/LIMIT)
        if task is None:
            return None
        return task if task.offered or user.pk in (task.assignee_id, task.completed_by_id) else None

    @extend_schema(summary="How many tasks in each view (capped at 1000)", responses=TaskCountsSerializer)
    @action(detail=False, methods=["get"])
    def counts(self, request):
        user = request.user
        now = timezone.now()

        def capped(qs):
            return qs.order_by()[:1000].count()

        counts = {
            view: capped(engine_selectors.task_view(user, view))
            for view in ("mine", "queue", "delegated", "done")
        }
        counts["overdue"] = capped(engine_selectors.task_view(user, "mine").filter(due_at__lt=now))
        return Response(TaskCountsSerializer(counts).data)

    def _answer(self, task_id):
        task = self.get_queryset().get(pk=task_id)
        return Response(HumanTaskSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(summary="Claim an offered task into my inbox", request=None, responses=HumanTaskSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        task = self.get_object()
        engine.claim(task.pk, user=request.user)
        return self._answer(task.pk)

    @extend_schema(
        summary="Give a claimed task back to its queue", request=None, responses=HumanTaskSerializer
    )
    @action(detail=True, methods=["post"])
    def unclaim(self, request, pk=None):
        task = self.get_object()
        engine.unclaim(task.pk, user=request.user)
        return self._answer(task.pk)

    @extend_schema(
        summary="Hand the task to another user", request=TaskDelegateSerializer, responses=HumanTaskSerializer
    )
    @action(detail=True, methods=["post"])
    def delegate(self, request, pk=None):
        task = self.get_object()
        data = TaskDelegateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to_user = get_user_model().objects.filter(pk=data.validated_data["to_user"]).first()
        if to_user is None:
            raise ValidationFailed(_("No such user."), fields={"to_user": [_("No such user.")]})
        engine.delegate(task.pk, user=request.user, to_user=to_user)
        return self._answer(task.pk)

    @extend_schema(
        summary="Complete the task with its form data (409 when it was already completed)",
        request=TaskCompleteSerializer,
        responses=ProcessStepSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        user, pk = request.user, self._task_pk()
        if engine.is_task_admin(user) and not user.is_superuser:
            # The engine lets task administrators work any task, but their row scope decides which
            # tasks they see: the visibility check comes first.
            self.get_object()
        data = TaskCompleteSerializer(data=request.data)
        if not data.is_valid():
            self.get_object()  # a task the caller may not see: 404, not a word about its form
            raise ValidationError(data.errors)
        form = data.validated_data["data"]
        try:
            step = engine.complete_task_step(pk, user=user, data=form)  # (the engine audits it)
        except DomainError:
            # Whatever the engine refused (not offered, already completed, a bad form), a caller
            # who may not see the task is told only that it does not exist.
            self.get_object()
            raise
        # The engine completes a task only for its assignee or a candidate (both see it) or an
        # administrator (checked above): the common case needs no visibility query of its own.
        return Response(_step(step, user))  # (the engine's instance, as committed)

    @extend_schema(
        summary="Set or clear the due time", request=TaskDueSerializer, responses=HumanTaskSerializer
    )
    @action(detail=True, methods=["post"])
    def due(self, request, pk=None):
        task = self.get_object()
        data = TaskDueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engine.set_due(task.pk, user=request.user, due_at=data.validated_data["due_at"])
        return self._answer(task.pk)

    @extend_schema(
        summary="Comment on the task", request=TaskCommentSerializer, responses={201: InstanceEventSerializer}
    )
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        task = self.get_object()
        data = TaskCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = engine.add_comment(
            task.pk,
            user=request.user,
            text=data.validated_data["text"],
            public=data.validated_data["public"],
        )
        return Response(InstanceEventSerializer(event).data, status=201)


class MessageView(APIView):
    """Deliver a BPMN message: resumes the instances waiting with these keys, else starts the
    processes whose start event catches it. Needs the permission to change process instances."""

    permission_classes = [IsStaffMember, EntityPermission]

    def permission_model(self):
        return ProcessInstance

    def required_action(self):
        return "change"

    @extend_schema(
        summary="Correlate a message", request=MessageSerializer, responses=CorrelationResultSerializer
    )
    def post(self, request):
        data = MessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = engine.correlate_message(
            data.validated_data["name"],
            keys=data.validated_data["keys"],
            payload=data.validated_data["payload"],
            actor=request.user,
        )
        body = {
            "matched": result.matched,
            "message": result.message,
            "started": [i.pk for i in result.started],
            "resumed": [i.pk for i in result.resumed],
        }
        return Response(CorrelationResultSerializer(body).data)
