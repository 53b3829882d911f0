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
