"""The address book (通讯录): search colleagues by name, pinyin, department or phone; a profile
page with call and mail links; vCards of one person or of a department's people."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from org.directory import PAGE_SIZE, department_choices, directory, may_browse, phone_of, profile, vcards
from org.models import Department, Employee


def _department(request) -> Department | None:
    value = request.GET.get("department", "")
    if not value.isdigit():
        return None
    return Department.objects.filter(pk=int(value)).first()


def _check(request) -> None:
    if not may_browse(request.user):
        raise PermissionDenied


@login_required
@require_GET
def address_book(request):
    _check(request)
    department = _department(request)
    query = request.GET.get("q", "")[:100]
    page = Paginator(directory(query=query, department=department), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = [{"employee": e, "phone": phone_of(e)} for e in page.object_list]
    context = {
        "people": people,
        "page": page,
        "query": query,
        "department": department,
        "departments": department_choices(),
    }
    template = (
        "tasklist/directory/_results.html"
        if request.htmx and request.htmx.target == "directory-results"
        else "tasklist/directory/list.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def person(request, employee_id: int):
    _check(request)
    employee = (
        Employee.objects.filter(pk=employee_id, active=True)
        .select_related("department", "position", "user", "manager")
        .first()
    )
    if employee is None:
        raise Http404
    return render(
        request, "tasklist/directory/person.html", {**profile(employee), "phone": phone_of(employee)}
    )


@login_required
@require_GET
def vcard(request):
    """One person (`?employee=`) or everybody the current search and department filter show."""
    _check(request)
    if request.GET.get("employee", "").isdigit():
        employees = list(directory().filter(pk=int(request.GET["employee"])))
        if not employees:
            raise Http404
        filename = f"contact-{employees[0].pk}.vcf"
    else:
        employees = list(
            directory(query=request.GET.get("q", "")[:100], department=_department(request))[:2000]
        )
        filename = "address-book.vcf"
    response = HttpResponse(vcards(employees), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
