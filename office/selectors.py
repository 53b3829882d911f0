"""Office reads: balances, a user's requests, free vehicles, notices with their read state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import LeaveBalance, Notice, NoticeReceipt, Vehicle, VehicleBooking


def leave_balances(*, user, year: int) -> QuerySet[LeaveBalance]:
    return LeaveBalance.objects.filter(user=user, year=year).select_related("leave_type")


def vehicles_free(*, starts_at, ends_at) -> QuerySet[Vehicle]:
    busy = VehicleBooking.objects.filter(
        vehicle=OuterRef("pk"), cancelled=False, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    return Vehicle.objects.filter(active=True).exclude(Exists(busy))


def notices_for(*, user) -> QuerySet[Notice]:
    """Published notices newest first, each with `is_read` for this user."""
    return (
        Notice.objects.filter(status=Notice.Status.PUBLISHED)
        .annotate(is_read=Exists(NoticeReceipt.objects.filter(notice=OuterRef("pk"), user=user)))
        .select_related("author")
    )


def notice_readers(*, notice: Notice):
    return notice.receipts.select_related("user").order_by("read_at")


def _addressed(user) -> Q:
    """Published notices whose audience takes `user` in: everybody, one of the departments above
    theirs (or theirs), or one of their (nested) groups."""
    from org.models import Department, Employee
    from org.selectors import department_ancestors, effective_group_ids

    everybody = Q(departments__isnull=True, groups__isnull=True)
    condition = everybody | Q(groups__in=effective_group_ids(user))
    department_id = Employee.objects.filter(user_id=user.pk).values_list("department_id", flat=True).first()
    if department_id is not None:
        department = Department.objects.get(pk=department_id)
        condition |= Q(departments__in=[department.pk, *(d.pk for d in department_ancestors(department))])
    return condition


def notices_addressed_to(*, user) -> QuerySet[Notice]:
    """The published notices addressed to `user`, unread first, then newest first; each with
    `is_read`."""
    ids = Notice.objects.filter(_addressed(user), status=Notice.Status.PUBLISHED).values("pk")
    return (
        Notice.objects.filter(pk__in=ids)
        .annotate(is_read=Exists(NoticeReceipt.objects.filter(notice=OuterRef("pk"), user=user)))
        .select_related("author")
        .order_by("is_read", "-published_at", "-pk")
    )


def notice_is_addressed_to(*, notice: Notice, user) -> bool:
    return Notice.objects.filter(_addressed(user), pk=notice.pk, status=Notice.Status.PUBLISHED).exists()


def notice_audience(*, notice: Notice) -> QuerySet:
    """The active people a notice is addressed to (staff with an employee record, and the
    members of its groups)."""
    from django.contrib.auth import get_user_model

    from org.selectors import department_ids_below, members_of

    users = get_user_model().objects.filter(is_active=True)
    department_ids = list(notice.departments.values_list("pk", flat=True))
    groups = list(notice.groups.all())
    if not department_ids and not groups:
        return users.filter(employee__isnull=False)
    condition = Q(pk__in=[])
    if department_ids:
        condition |= Q(employee__department_id__in=department_ids_below(department_ids))
    for group in groups:
        condition |= Q(pk__in=members_of(group).values("pk"))
    return users.filter(condition).distinct()


@dataclass
class DepartmentReceipts:
    department: str
    read: list[tuple[str, object]]  # (name, read at)
    unread: list[str]

    @property
    def total(self) -> int:
        return len(self.read) + len(self.unread)


@dataclass
class NoticeReceipts:
    audience: int
    read_count: int
    departments: list[DepartmentReceipts]

    @property
    def unread_count(self) -> int:
        return self.audience - self.read_count


def notice_receipts(*, notice: Notice) -> NoticeReceipts:
    """Who of the audience has read the notice and who has not yet, by department (three queries)."""
    read_at = dict(notice.receipts.values_list("user_id", "read_at"))
    people = (
        notice_audience(notice=notice)
        .select_related("employee__department")
        .order_by("display_name", "username")
    )
    by_department: dict[str, DepartmentReceipts] = {}
    count = 0
    for person in people:
        count += 1
        employee = getattr(person, "employee", None)
        department = employee.department.name if employee is not None else "—"
        entry = by_department.setdefault(department, DepartmentReceipts(department, [], []))
        if person.pk in read_at:
            entry.read.append((str(person), read_at[person.pk]))
        else:
            entry.unread.append(str(person))
    return NoticeReceipts(
        audience=count,
        read_count=sum(len(d.read) for d in by_department.values()),
        departments=sorted(by_department.values(), key=lambda d: d.department),
    )


# -- requests as the people deciding on them see them ----------------------------------------------


def _requests_visible_to(model, user):
    """Leave and vehicle requests `user` may read: their own, those of the people their row scope
    covers (a manager's team, HR: everybody), and those they hold, held or are offered a task on."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from engine.selectors.work import tasks_involving_about
    from org.permissions import RowScope
    from org.selectors import user_row_scope, users_in_scope

    qs = model.objects.all()
    scope = user_row_scope(user)
    if scope == RowScope.ALL:
        return qs
    involved = tasks_involving_about(user, ContentType.objects.get_for_model(model))
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


def supply_requests_visible_to(user):
    from .models import SupplyRequest

    return _requests_visible_to(SupplyRequest, user)


def supply_items(*, active_only: bool = True):
    from .models import SupplyItem

    items = SupplyItem.objects.all()
    return items.filter(active=True) if active_only else items
