"""Office reads: balances, a user's requests, free vehicles, notices with their read state."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import LeaveBalance, Notice, NoticeReceipt, Vehicle, VehicleBooking


def leave_balances(*, user, year: int) -> QuerySet[LeaveBalance]:
    return LeaveBalance.objects.filter(user=user, year=year).select_related("leave_type")


def vehicles_free(*, starts_at, ends_at) -> QuerySet[Vehicle]:
    busy = VehicleBooking.objects.filter(
        vehicle=OuterRef("pk"), cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    return Vehicle.objects.filter(active=True).exclude(Exists(busy))


def notices_for(*, user) -> QuerySet[Notice]:
    """Notices newest first, each with `is_read` for this user."""
    return Notice.objects.annotate(
        is_read=Exists(NoticeReceipt.objects.filter(notice=OuterRef("pk"), user=user))
    ).select_related("author")


def notice_readers(*, notice: Notice):
    return notice.receipts.select_related("user").order_by("read_at")


# -- requests as the people deciding on them see them ----------------------------------------------


def _requests_visible_to(model, user):
    """Leave and vehicle requests `user` may read: their own, those of the people their row scope
    covers (a manager's team, HR: everybody), and those they hold, held or are offered a task on."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from engine.models import HumanTask, HumanTaskCandidate
    from org.permissions import RowScope
    from org.selectors import user_row_scope, users_in_scope

    qs = model.objects.all()
    scope = user_row_scope(user)
    if scope == RowScope.ALL:
        return qs
    offered = HumanTaskCandidate.objects.offered_to(user).values("task_id")
    involved = HumanTask.objects.filter(
        business_object_type=ContentType.objects.get_for_model(model),
    ).filter(Q(assignee=user) | Q(completed_by=user) | Q(pk__in=offered))
    return qs.filter(
        Q(user=user)
        | Q(user__in=users_in_scope(user, scope))
        | Q(pk__in=[int(pk) for pk in involved.values_list("business_object_id", flat=True) if pk.isdigit()])
    )


def leave_requests_visible_to(user):
    from .models import LeaveRequest

    return _requests_visible_to(LeaveRequest, user)


def vehicle_requests_visible_to(user):
    from .models import VehicleRequest

    return _requests_visible_to(VehicleRequest, user)


def leave_absences(*, leave, limit: int = 20):
    """Colleagues of the same department away (approved or waiting) on some day of `leave`."""
    from .models import LeaveRequest

    department = (
        leave.user.employee.department_id if hasattr(leave.user, "employee") and leave.user.employee else None
    )
    if department is None:
        return LeaveRequest.objects.none()
    return (
        LeaveRequest.objects.filter(
            user__employee__department_id=department,
            status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED],
            starts_on__lte=leave.ends_on,
            ends_on__gte=leave.starts_on,
        )
        .exclude(pk=leave.pk)
        .select_related("user", "leave_type")
        .order_by("starts_on", "pk")[:limit]
    )
