"""Office workflows' records: leave (请假) types, balances and requests; vehicles (车辆) with their
bookings; notices, policies and meeting records (公告/制度/会议纪要) with read receipts.

Glossary: 请假 = leave request, 假期余额 = leave balance, 用车申请 = vehicle request, 派车 = vehicle
assignment (a booking), 还车 = vehicle return, 公告 = notice, 制度 = policy, 会议纪要 = meeting record,
办公用品 = office supplies (a catalogue item), 领用申请 = supplies request, 发放 = issue from stock.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plates import normalise_plate


class LeaveType(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    annual_days = models.DecimalField(_("days per year"), max_digits=5, decimal_places=1, default=0)
    needs_balance = models.BooleanField(
        _("limited by a balance"), default=True, help_text=_("Unpaid leave, for example, is not.")
    )
    backdate_days = models.PositiveSmallIntegerField(
        _("may start days back"),
        default=0,
        validators=[MaxValueValidator(366)],
        help_text=_(
            "How many days before today a request may start: sick leave is often reported afterwards; "
            "0 means from today on."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("leave type")
        verbose_name_plural = _("leave types")

    def __str__(self) -> str:
        return self.name


class LeaveBalance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave_balances"
    )
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="balances")
    year = models.PositiveSmallIntegerField(_("year"))
    entitled_days = models.DecimalField(_("entitled days"), max_digits=5, decimal_places=1, default=0)
    used_days = models.DecimalField(_("used days"), max_digits=5, decimal_places=1, default=0)

    # Deducted only by the leave process's approval (engine.ownership; read-only in the admin).
    PROCESS_OWNED_FIELDS = {"used_days": "leave_request"}

    class Meta:
        ordering = ["user", "year", "leave_type"]
        verbose_name = _("leave balance")
        verbose_name_plural = _("leave balances")
        constraints = [
            models.UniqueConstraint(fields=["user", "leave_type", "year"], name="office_balance_unique"),
            models.CheckConstraint(
                condition=models.Q(used_days__gte=0), name="office_balance_used_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.leave_type} {self.year}: {self.remaining_days}"

    @property
    def remaining_days(self) -> Decimal:
        return self.entitled_days - self.used_days


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="leave_requests",
    )
    leave_type = models.ForeignKey(LeaveType, verbose_name=_("leave type"), on_delete=models.PROTECT)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    days = models.DecimalField(_("days"), max_digits=5, decimal_places=1)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {field: "leave_request" for field in ("status", "decided_by", "decided_at")}

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="office_leave_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.leave_type} {self.starts_on}-{self.ends_on}"


class Vehicle(models.Model):
    plate = models.CharField(_("plate"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    seats = models.PositiveSmallIntegerField(_("seats"), default=5)
    mileage_km = models.PositiveIntegerField(_("odometer (km)"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return f"{self.plate} {self.name}"

    def save(self, *args, **kwargs) -> None:
        # one written form ("沪A·12345"), however it was typed, so a plate is found however typed
        self.plate = normalise_plate(self.plate)
        super().save(*args, **kwargs)


class VehicleRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        ASSIGNED = "assigned", _("Vehicle assigned")
        RETURNED = "returned", _("Returned")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="vehicle_requests",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    destination = models.CharField(_("destination"), max_length=200)
    passengers = models.PositiveSmallIntegerField(_("passengers"), default=1)
    purpose = models.TextField(_("purpose"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {"status": "vehicle_request"}

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("vehicle request")
        verbose_name_plural = _("vehicle requests")

    def __str__(self) -> str:
        # the company's local time: the label is stored on the process and shown as it is
        return f"{self.user} → {self.destination} ({timezone.localtime(self.starts_at):%Y-%m-%d %H:%M})"


class VehicleBooking(models.Model):
    """A vehicle held for a request. PostgreSQL refuses two active bookings of one vehicle whose
    [starts_at, ends_at) ranges overlap (exclusion constraint office_booking_no_overlap)."""

    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="bookings"
    )
    request = models.OneToOneField(VehicleRequest, on_delete=models.CASCADE, related_name="booking")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    driver = models.CharField(_("driver"), max_length=100, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    fuel_litres = models.DecimalField(
        _("fuel (litres)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    return_note = models.TextField(_("return note"), blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("vehicle booking")
        verbose_name_plural = _("vehicle bookings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="office_booking_dates"
            )
        ]

    def __str__(self) -> str:
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.vehicle} {starts:%Y-%m-%d %H:%M}-{ends:%H:%M}"


class Notice(models.Model):
    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice")
        POLICY = "policy", _("Policy")
        MEETING = "meeting", _("Meeting record")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, default=timezone.now)
    requires_receipt = models.BooleanField(_("read receipt required"), default=False)
    meeting_on = models.DateField(_("meeting date"), null=True, blank=True)
    # The audience: members of these departments (and their sub-departments) and of these groups
    # (and the groups nested in them); neither set = the whole company.
    departments = models.ManyToManyField(
        "org.Department", verbose_name=_("departments"), blank=True, related_name="+"
    )
    groups = models.ManyToManyField("auth.Group", verbose_name=_("groups"), blank=True, related_name="+")

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        permissions = [("manage_notices", _("Can write and publish notices and see their read receipts"))]

    def __str__(self) -> str:
        return self.title


class NoticeReceipt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read"), auto_now_add=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="office_receipt_once")]

    def __str__(self) -> str:
        return f"{self.user} read {self.notice}"


class SupplyItem(models.Model):
    """An office supply in the catalogue, with the stock on the shelf. The database refuses a
    negative stock (office_supply_stock_not_negative)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    stock = models.IntegerField(_("in stock"), default=0)
    reorder_level = models.PositiveIntegerField(_("reorder level"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("office supply")
        verbose_name_plural = _("office supplies")
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="office_supply_stock_not_negative")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def low(self) -> bool:
        return self.stock <= self.reorder_level


class SupplyRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="supply_requests",
    )
    purpose = models.TextField(_("purpose"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {field: "office_supplies" for field in ("status", "issued_at", "issued_by")}

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("supplies request")
        verbose_name_plural = _("supplies requests")

    def __str__(self) -> str:
        return f"{self.user} · {timezone.localtime(self.submitted_at):%Y-%m-%d} #{self.pk}"


class SupplyRequestLine(models.Model):
    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(SupplyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["request", "pk"]
        verbose_name = _("supplies request line")
        verbose_name_plural = _("supplies request lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="office_supply_line_qty")
        ]

    def __str__(self) -> str:
        return f"{self.item} \u00d7 {self.quantity}"
