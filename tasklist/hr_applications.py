"""The HR personnel changes as kinds of request (/requests/new/hr_.../): HR fills the form, the hr
service records the change and announces the event its process is bound to (bpmn/hr_*.bpmn)."""

from __future__ import annotations

from django import forms
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from hr import services
from hr.models import DepartureReason, EmploymentStatus, EmploymentType
from hr.selectors import employees_visible_to, may_see_salary
from org.models import Department, Employee, Position, User

from .applications import KINDS, DateInput, RequestForm, RequestKind


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.department}" + (f" · {obj.position}" if obj.position_id else "")


class GroupChoices(forms.ModelMultipleChoiceField):
    """Teams and roles by the names people read (GroupProfile.display_name), never the group key."""

    def __init__(self, **kwargs):
        from django.contrib.auth.models import Group

        super().__init__(
            queryset=Group.objects.select_related("profile").order_by(
                Coalesce(NullIf("profile__display_name", Value("")), "name")
            ),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            **kwargs,
        )

    def label_from_instance(self, obj):
        profile = getattr(obj, "profile", None)
        return (profile.display_name if profile is not None else "") or obj.name


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        employee = getattr(obj, "employee", None)
        return f"{obj} · {employee.department}" if employee is not None else str(obj)


def _people():
    return Employee.objects.filter(active=True).select_related("department", "position").order_by("name")


class HrForm(RequestForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "employee" in self.fields:
            self.fields["employee"].queryset = (
                employees_visible_to(self.user).filter(active=True).select_related("department", "position")
            )
        for name in ("manager",):
            if name in self.fields:
                self.fields[name].queryset = _people()


class OnboardingForm(HrForm):
    name = forms.CharField(label=_("Full name"), max_length=100)
    username = forms.CharField(label=_("User name (sign-in)"), max_length=150)
    email = forms.EmailField(label=_("E-mail (the invitation goes here)"))
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    employment_type = forms.ChoiceField(label=_("Employment type"), choices=EmploymentType.choices)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.all(), required=False)
    manager = PersonChoice(label=_("Manager"), queryset=Employee.objects.none(), required=False)
    starts_on = forms.DateField(label=_("First working day"), widget=DateInput)
    probation_ends_on = forms.DateField(label=_("Probation end"), widget=DateInput, required=False)
    groups = GroupChoices(label=_("Teams and roles"))
    monthly_salary = forms.DecimalField(
        label=_("Monthly salary (CNY)"), max_digits=12, decimal_places=2, required=False
    )
    reason = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_see_salary(self.user):
            del self.fields["monthly_salary"]


class ProbationForm(HrForm):
    employee = PersonChoice(label=_("Employee on probation"), queryset=Employee.objects.none())
    reason = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["employee"]
        field.queryset = field.queryset.filter(hr_profile__status=EmploymentStatus.PROBATION)


class TransferForm(HrForm):
    employee = PersonChoice(label=_("Employee"), queryset=Employee.objects.none())
    department = forms.ModelChoiceField(
        label=_("Department after the transfer"), queryset=Department.objects.all()
    )
    position = forms.ModelChoiceField(
        label=_("Position after the transfer"), queryset=Position.objects.all(), required=False
    )
    manager = PersonChoice(label=_("New manager"), queryset=Employee.objects.none(), required=False)
    effective_on = forms.DateField(label=_("Effective date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SalaryForm(HrForm):
    employee = PersonChoice(label=_("Employee"), queryset=Employee.objects.none())
    monthly_salary = forms.DecimalField(label=_("New monthly salary (CNY)"), max_digits=12, decimal_places=2)
    effective_on = forms.DateField(label=_("Effective date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DepartureForm(HrForm):
    employee = PersonChoice(label=_("Employee"), queryset=Employee.objects.none())
    departure_reason = forms.ChoiceField(label=_("Kind of departure"), choices=DepartureReason.choices)
    last_day = forms.DateField(label=_("Last working day"), widget=DateInput)
    successor = UserChoice(
        label=_("Successor (takes over customers and open tasks)"),
        queryset=User.objects.filter(is_active=True, employee__active=True)
        .select_related("employee__department")
        .order_by("display_name"),
    )
    reason = forms.CharField(
        label=_("Reason / grounds"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def _onboarding(user, data):
    return services.onboarding_request(
        actor=user,
        name=data["name"],
        username=data["username"],
        email=data["email"],
        phone=data.get("phone", ""),
        employment_type=data["employment_type"],
        department=data["department"],
        position=data.get("position"),
        manager=data.get("manager"),
        starts_on=data["starts_on"],
        probation_ends_on=data.get("probation_ends_on"),
        monthly_salary=data.get("monthly_salary"),
        reason=data.get("reason", ""),
        groups=data.get("groups") or (),
    )


def _probation(user, data):
    return services.probation_review_request(
        actor=user, employee=data["employee"], reason=data.get("reason", "")
    )


def _transfer(user, data):
    return services.transfer_request(
        actor=user,
        employee=data["employee"],
        department=data["department"],
        position=data.get("position"),
        manager=data.get("manager"),
        effective_on=data["effective_on"],
        reason=data.get("reason", ""),
    )


def _salary(user, data):
    return services.salary_adjustment_request(
        actor=user,
        employee=data["employee"],
        monthly_salary=data["monthly_salary"],
        effective_on=data["effective_on"],
        reason=data["reason"],
    )


def _departure(user, data):
    return services.departure_request(
        actor=user,
        employee=data["employee"],
        departure_reason=data["departure_reason"],
        last_day=data["last_day"],
        successor=data["successor"],
        reason=data.get("reason", ""),
    )


ADD_CHANGE = ("hr", "personnelchange", "add")
HR_KINDS: dict[str, RequestKind] = {
    kind.key: kind
    for kind in (
        RequestKind(
            "hr_onboarding", _("Onboarding"), _("A new hire: on probation, regular or intern."),
            services.EVENTS["onboarding"], OnboardingForm, ADD_CHANGE, _onboarding,
        ),
        RequestKind(
            "hr_probation", _("Probation confirmation"),
            _("The manager confirms, extends or ends a probation."),
            services.EVENTS["probation"], ProbationForm, ADD_CHANGE, _probation,
        ),
        RequestKind(
            "hr_transfer", _("Transfer of post"), _("Another department, position or manager."),
            services.EVENTS["transfer"], TransferForm, ADD_CHANGE, _transfer,
        ),
        RequestKind(
            "hr_salary", _("Salary adjustment"), _("Confidential: a new monthly salary."),
            services.EVENTS["salary"], SalaryForm, ("hr", "salary", "view"), _salary,
        ),
        RequestKind(
            "hr_departure", _("Departure"), _("Resignation, dismissal or retirement, with a successor."),
            services.EVENTS["departure"], DepartureForm, ADD_CHANGE, _departure,
        ),
    )
}  # fmt: skip

KINDS.update(HR_KINDS)
