"""The employee file (员工档案, /hr/employees/...): HR sees everyone's, a manager the files of the
people below them. Personal data, the contract, position history, salary history (only with the
salary permission), the personnel changes with their processes, documents."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.errors import DomainError
from hr import selectors, services
from hr.models import EmployeeDocument, EmploymentProfile, EmploymentStatus
from org.models import Department

from ..applications import DateInput
from ..hr_applications import HR_KINDS

PAGE_SIZE = 50


def _may_open_files(user) -> bool:
    return selectors.is_hr(user) or bool(selectors.employee_ids_below(user))


def _file_or_404(request, employee_id: int):
    employee = selectors.employee_file(request.user, employee_id)
    if employee is None:
        raise Http404(_("Not found, or not yours to see."))
    return employee


class ProfileForm(forms.ModelForm):
    class Meta:
        model = EmploymentProfile
        fields = [
            "contract_type",
            "contract_starts_on",
            "contract_ends_on",
            "gender",
            "id_number",
            "education",
            "address",
            "emergency_contact",
        ]
        widgets = {"contract_starts_on": DateInput, "contract_ends_on": DateInput}


class DocumentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    file = forms.FileField(label=gettext_lazy("File"))


@login_required
@require_GET
def employee_list(request):
    if not _may_open_files(request.user):
        raise PermissionDenied(_("Only HR and managers open employee files."))
    query = request.GET.get("q", "")[:100].strip()
    department = request.GET.get("department", "")[:32]
    status = request.GET.get("status", "")
    if status not in {"", "left", *EmploymentStatus.values}:
        status = ""
    rows = selectors.employee_list(request.user, query=query, department=department, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "department": department,
        "status": status,
        "departments": Department.objects.order_by("sort_order", "code"),
        "statuses": [("", _("Working here")), *EmploymentStatus.choices[:3], ("left", _("Left"))],
        "kinds": [k for k in HR_KINDS.values() if request.user.has_perm("{0}.{2}_{1}".format(*k.permission))],
    }
    return render(request, "tasklist/hr/employees.html", context)


@login_required
def employee_file(request, employee_id: int):
    employee = _file_or_404(request, employee_id)
    is_hr = selectors.is_hr(request.user)
    profile = getattr(employee, "hr_profile", None)
    profile_form = ProfileForm(instance=profile) if is_hr else None
    document_form = DocumentForm() if is_hr else None
    status = 200
    if request.method == "POST":
        if not is_hr:
            raise PermissionDenied(_("Only HR changes the file."))
        if request.POST.get("form") == "profile":
            profile_form = ProfileForm(request.POST, instance=profile)
            if profile_form.is_valid():
                try:
                    services.profile_update(
                        actor=request.user, employee=employee, **profile_form.cleaned_data
                    )
                except DomainError as error:
                    for field, problems in error.fields.items():
                        for problem in problems:
                            profile_form.add_error(
                                field if field in profile_form.fields else None, str(problem)
                            )
                else:
                    messages.success(request, _("The file is saved."))
                    return redirect(reverse("hr:employee", args=[employee.pk]))
        elif request.POST.get("form") == "document":
            document_form = DocumentForm(request.POST, request.FILES)
            if document_form.is_valid():
                try:
                    services.document_add(actor=request.user, employee=employee, **document_form.cleaned_data)
                except DomainError as error:
                    for field, problems in error.fields.items():
                        for problem in problems:
                            document_form.add_error(
                                field if field in document_form.fields else None, str(problem)
                            )
                else:
                    messages.success(request, _("The document is added."))
                    return redirect(reverse("hr:employee", args=[employee.pk]) + "#documents")
        status = 400
    history = selectors.file_history(request.user, employee)
    context = {
        "employee": employee,
        "profile": profile,
        "is_hr": is_hr,
        "profile_form": profile_form,
        "document_form": document_form,
        "kinds": _kinds_for(request.user, employee, profile),
        **history,
    }
    return render(request, "tasklist/hr/file.html", context, status=status)


def _kinds_for(user, employee, profile) -> list:
    """The changes HR may start from this file (no onboarding: the person is here already)."""
    if not employee.active:
        return []
    on_probation = profile is not None and profile.status == EmploymentStatus.PROBATION
    return [
        kind
        for key, kind in HR_KINDS.items()
        if key != "hr_onboarding"
        and (key != "hr_probation" or on_probation)
        and user.has_perm("{0}.{2}_{1}".format(*kind.permission))
    ]


@login_required
@require_GET
def document_download(request, document_id: int):
    document = EmployeeDocument.objects.filter(pk=document_id).select_related("employee").first()
    if document is None or selectors.employee_file(request.user, document.employee_id) is None:
        raise Http404(_("Not found, or not yours to see."))
    if not selectors.is_hr(request.user):
        raise PermissionDenied(_("Only HR opens the file's documents."))
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
    )
