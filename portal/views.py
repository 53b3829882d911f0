"""Pages of the customer portal (/portal/). Thin: reads through portal.selectors (always scoped
to the account's company), writes through portal.services and the engine's services."""

from __future__ import annotations

import contextlib
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from core.jsonforms import build_task_form, form_data_from_post
from core.pickers import PickerContext
from crm.models import Contact, ServiceRequest
from crm.selectors.customers import customer_get
from crm.services import customer_side
from engine import services as engine
from engine.errors import TaskAlreadyCompleted, TaskNotActive
from processes.selectors import task_form_for

from . import selectors, services
from .models import PortalToken
from .selectors import account_for

CART = "portal_cart"


def portal_page(view):
    """Signed-in portal users of an enabled company only; other companies' objects are 404s."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        account = getattr(request, "portal_account", None) or account_for(request.user)
        if account is None:
            return render(request, "portal/not_customer.html", status=403)
        if not account.customer.portal_enabled:
            logout(request)
            messages.error(request, _("Portal access for your company is switched off."))
            return redirect("portal:login")
        try:
            return view(request, account, *args, **kwargs)
        except Http404:
            return render(request, "portal/404.html", {"account": account}, status=404)

    return wrapper


def _errors(error: DomainError) -> dict:
    return {k: [str(m) for m in v] for k, v in (error.fields or {}).items()}


# --- sign-in, invitations, password reset --------------------------------------------------


class PortalAuthenticationForm(AuthenticationForm):
    """Sign-in with the e-mail address; only portal accounts of enabled companies get in (staff
    sign in on the staff page)."""

    username = forms.CharField(label=gettext_lazy("E-mail"), max_length=254)

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        account = account_for(user)
        if account is None or not account.customer.portal_enabled:
            raise forms.ValidationError(
                _("This sign-in is for customers. Staff sign in on the staff page."), code="not_customer"
            )


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return reverse("portal:home")

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return url if url.startswith("/portal/") else ""


@require_POST
def portal_logout(request):
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("portal:login")


def _password_page(request, secret: str, purpose: str, template: str):
    try:
        token = services.portal_link_check(secret=secret, purpose=purpose)
    except ValidationFailed as error:
        return render(
            request, "portal/link_invalid.html", {"problem": error.message, "code": error.code}, status=410
        )
    errors: dict = {}
    if request.method == "POST":
        try:
            services.portal_link_use(
                secret=secret,
                purpose=purpose,
                password1=request.POST.get("password1", ""),
                password2=request.POST.get("password2", ""),
            )
        except ValidationFailed as error:
            if error.code in ("link_used", "link_expired", "link_invalid"):
                return render(request, "portal/link_invalid.html", {"problem": error.message}, status=410)
            errors = _errors(error)
        else:
            messages.success(request, _("Your password is set. Sign in with your e-mail address."))
            return redirect("portal:login")
    return render(
        request,
        template,
        {"token": token, "account": None, "email": token.account.user.email, "errors": errors},
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation(request, secret: str):
    return _password_page(request, secret, PortalToken.Purpose.INVITE, "portal/invitation.html")


@require_http_methods(["GET", "POST"])
def password_reset(request):
    if request.method == "POST":
        services.portal_password_reset_request(email=request.POST.get("email", ""))
        messages.success(
            request,
            _(
                "If this address has portal access, a link to set a new password is on its way. "
                "It works for 2 hours."
            ),
        )
        return redirect("portal:login")
    return render(request, "portal/password_reset.html")


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, secret: str):
    return _password_page(request, secret, PortalToken.Purpose.RESET, "portal/password_reset_confirm.html")


# --- home, requests ------------------------------------------------------------------------


@portal_page
def home(request, account):
    rows = selectors.my_requests(account, limit=5)
    tasks = list(selectors.customer_tasks(account)[:5])
    labels = {t.pk: selectors.task_label(t) for t in tasks}
    return render(
        request,
        "portal/home.html",
        {
            "account": account,
            "rows": rows,
            "tasks": [(t, labels[t.pk]) for t in tasks],
            "task_count": selectors.customer_tasks(account).count(),
            "nav": "home",
        },
    )


@portal_page
def my_requests(request, account):
    return render(
        request,
        "portal/requests.html",
        {"account": account, "rows": selectors.my_requests(account), "nav": "requests"},
    )


@portal_page
def request_detail(request, account, kind: str, pk: int):
    obj = selectors.request_get(account, kind, pk)
    return render(
        request,
        "portal/request_detail.html",
        {
            "account": account,
            "kind": kind,
            "obj": obj,
            "progress": selectors.progress_of(account, obj),
            "resolution": selectors.resolution_of(kind, obj),
            "history": selectors.history(account, obj),
            "attachments": selectors.attachments_of(account, obj),
            "comment_url": reverse("portal:request_comment", kwargs={"kind": kind, "pk": obj.pk})
            if obj.created_by_id == account.user_id
            else "",
            "nav": "requests",
        },
    )


@portal_page
@require_POST
def request_comment(request, account, kind: str, pk: int):
    obj = selectors.request_get(account, kind, pk)
    try:
        services.portal_comment_add(account=account, obj=obj, text=request.POST.get("text", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your message was added."))
    return redirect(reverse("portal:request", kwargs={"kind": kind, "pk": obj.pk}) + "#history-h")


@portal_page
@require_http_methods(["GET", "POST"])
def questions(request, account):
    """Ask a question (a consultation) and read the answers to the company's questions."""
    values, errors, problem = {}, {}, ""
    if request.method == "POST":
        values = request.POST
        try:
            services.portal_question_ask(
                account=account,
                question=request.POST.get("question", ""),
                category=request.POST.get("category", ""),
                kind=request.POST.get("kind", ""),
            )
        except DomainError as error:
            errors, problem = _errors(error), str(error.message)
        else:
            messages.success(request, _("Your question was sent; the answer will appear here."))
            return redirect("portal:questions")
    return render(
        request,
        "portal/questions.html",
        {
            "account": account,
            "values": values,
            "errors": errors,
            "problem": problem,
            "categories": selectors.consultation_categories(),
            "questions": selectors.consultations(account),
            "nav": "questions",
        },
        status=400 if problem else 200,
    )


@portal_page
def attachment(request, account, pk: int):
    item = selectors.attachment_get(account, pk)
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )


# The complaint's severity in the customer's words; the SLA policy dates the complaint by it.
URGENCIES = (
    ("low", gettext_lazy("It can wait")),
    ("normal", gettext_lazy("Normal")),
    ("high", gettext_lazy("Urgent")),
    ("critical", gettext_lazy("Critical: our work has stopped")),
)


@portal_page
@require_http_methods(["GET", "POST"])
def complaint_new(request, account):
    values, errors, problem = {}, {}, ""
    if request.method == "POST":
        values = request.POST
        try:
            complaint = services.portal_complaint_submit(
                account=account,
                category=request.POST.get("category", ""),
                subject=request.POST.get("subject", ""),
                description=request.POST.get("description", ""),
                severity=request.POST.get("severity", ""),
                files=request.FILES.getlist("attachments"),
            )
        except DomainError as error:
            errors, problem = _errors(error), str(error.message)
        else:
            return redirect("portal:submitted", kind="complaint", pk=complaint.pk)
    return render(
        request,
        "portal/complaint_form.html",
        {
            "account": account,
            "values": values,
            "errors": errors,
            "problem": problem,
            "categories": selectors.complaint_categories(),
            "urgencies": URGENCIES,
            "nav": "new",
        },
        status=400 if problem else 200,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def service_new(request, account):
    values = {"address": account.customer.address, "kind": request.GET.get("kind", "repair")}
    errors, problem = {}, ""
    if request.method == "POST":
        values = request.POST
        try:
            obj = services.portal_service_request_submit(
                account=account,
                kind=request.POST.get("kind", ""),
                product_id=request.POST.get("product", ""),
                serial_number=request.POST.get("serial_number", ""),
                preferred_time=request.POST.get("preferred_time", ""),
                address=request.POST.get("address", ""),
                description=request.POST.get("description", ""),
                files=request.FILES.getlist("attachments"),
            )
        except DomainError as error:
            errors, problem = _errors(error), str(error.message)
        else:
            return redirect("portal:submitted", kind="service", pk=obj.pk)
    return render(
        request,
        "portal/service_form.html",
        {
            "account": account,
            "values": values,
            "errors": errors,
            "problem": problem,
            "kinds": ServiceRequest.Kind.choices,
            "products": selectors.catalogue(),
            "nav": "new",
        },
        status=400 if problem else 200,
    )


@portal_page
def submitted(request, account, kind: str, pk: int):
    obj = selectors.order_get(account, pk) if kind == "order" else selectors.request_get(account, kind, pk)
    detail = (
        reverse("portal:order", args=[obj.pk])
        if kind == "order"
        else reverse("portal:request", kwargs={"kind": kind, "pk": obj.pk})
    )
    return render(
        request,
        "portal/submitted.html",
        {
            "account": account,
            "kind": kind,
            "obj": obj,
            "detail_url": detail,
            "progress": selectors.progress_of(account, obj),
        },
    )


# --- catalogue, cart, orders ---------------------------------------------------------------


def _cart(request) -> dict[str, str]:
    cart = request.session.get(CART)
    return dict(cart) if isinstance(cart, dict) else {}


@portal_page
def catalogue(request, account):
    products = list(selectors.catalogue())
    return render(
        request,
        "portal/catalogue.html",
        {"account": account, "products": products, "cart_count": len(_cart(request)), "nav": "catalogue"},
    )


@portal_page
def product_image(request, account, pk: int):
    product = selectors.product_get(pk)
    if not product.image:
        raise Http404(_("No image."))
    try:
        handle = product.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("No image.")) from None
    return FileResponse(handle)


@portal_page
@require_POST
def cart_add(request, account):
    product = selectors.product_get(request.POST.get("product"))
    cart = _cart(request)
    errors: dict = {}
    quantity = customer_side.clean_order_quantity(request.POST.get("quantity", "1"), errors, "quantity")
    if quantity is None:
        messages.error(request, "; ".join(str(m) for m in errors["quantity"]))
        return redirect("portal:catalogue")
    previous = cart.get(str(product.pk), "0")
    total = int(quantity) + (int(previous) if str(previous).isdigit() else 0)
    cart[str(product.pk)] = str(min(total, services.MAX_ORDER_QUANTITY))
    request.session[CART] = cart
    messages.success(request, _("“%(name)s” is in your cart.") % {"name": product.name})
    return redirect("portal:catalogue")


def _cart_lines(cart: dict) -> list[dict]:
    ids = [int(k) for k in cart if str(k).isdigit()]
    from crm.models import Product

    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    lines = []
    for key, quantity in cart.items():
        product = products.get(int(key)) if str(key).isdigit() else None
        amount = None
        if product is not None and str(quantity).isdigit():
            amount = product.price * int(quantity)
        lines.append({"key": key, "product": product, "quantity": quantity, "amount": amount})
    return lines


@portal_page
@require_http_methods(["GET", "POST"])
def cart(request, account):
    cart = _cart(request)
    errors, problem = {}, ""
    values = {}
    if request.method == "POST":
        values = request.POST
        for key in list(cart):
            if f"quantity_{key}" in request.POST:
                cart[key] = request.POST[f"quantity_{key}"].strip()
        remove = request.POST.get("remove")
        if remove:
            cart.pop(remove, None)
        request.session[CART] = cart
        if request.POST.get("action") == "order":
            try:
                order = services.portal_order_submit(
                    account=account,
                    cart=cart,
                    delivery_on=request.POST.get("delivery_on", ""),
                    notes=request.POST.get("notes", ""),
                )
            except DomainError as error:
                errors, problem = _errors(error), str(error.message)
            else:
                request.session[CART] = {}
                return redirect("portal:submitted", kind="order", pk=order.pk)
        elif not remove:
            messages.success(request, _("Cart updated."))
            return redirect("portal:cart")
    lines = _cart_lines(cart)
    for line in lines:
        line["errors"] = errors.get(f"quantity_{line['key']}", [])
    total = sum((line["amount"] for line in lines if line["amount"] is not None), 0)
    return render(
        request,
        "portal/cart.html",
        {
            "account": account,
            "lines": lines,
            "total": total,
            "errors": errors,
            "problem": problem,
            "values": values,
            "nav": "catalogue",
        },
        status=400 if problem else 200,
    )


@portal_page
def orders(request, account):
    return render(
        request,
        "portal/orders.html",
        {"account": account, "rows": selectors.order_rows(account), "nav": "orders"},
    )


@portal_page
def order_detail(request, account, pk: int):
    order = selectors.order_get(account, pk)
    return render(
        request,
        "portal/order_detail.html",
        {
            "account": account,
            "order": order,
            "progress": selectors.progress_of(account, order),
            "history": selectors.history(account, order),
            "payments": list(selectors.payments(account).filter(order=order)),
            "nav": "orders",
        },
    )


@portal_page
def documents(request, account):
    return render(
        request,
        "portal/documents.html",
        {"account": account, "documents": list(selectors.documents(account)), "nav": "documents"},
    )


@portal_page
def document_download(request, account, pk: int):
    document = selectors.document_get(account, pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("Not found.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.file_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_page
def contracts(request, account):
    return render(
        request,
        "portal/contracts.html",
        {
            "account": account,
            "contracts": list(selectors.contracts(account).order_by("-signed_on", "-id")),
            "nav": "orders",
        },
    )


@portal_page
def contract_detail(request, account, pk: int):
    contract = selectors.contract_get(account, pk)
    return render(
        request,
        "portal/contract_detail.html",
        {
            "account": account,
            "contract": contract,
            "orders": list(selectors.orders(account).filter(contract=contract)),
            "payments": list(selectors.payments(account).filter(contract=contract)),
            "nav": "orders",
        },
    )


@portal_page
def payments(request, account):
    receivables = selectors.receivables(account)
    return render(
        request,
        "portal/payments.html",
        {
            "account": account,
            "payments": list(selectors.payments(account)[:200]),
            "receivables": [r for r in receivables if r.outstanding > 0],
            "outstanding": sum((r.outstanding for r in receivables), 0),
            "nav": "orders",
        },
    )


# --- tasks addressed to the customer -------------------------------------------------------


@portal_page
def tasks(request, account):
    task_list = list(selectors.customer_tasks(account))
    labels = {t.pk: selectors.task_label(t) for t in task_list}
    return render(
        request,
        "portal/tasks.html",
        {"account": account, "tasks": [(t, labels[t.pk]) for t in task_list], "nav": "tasks"},
    )


def _render_task(request, account, task, *, form=None, problem: str = "", status: int = 200):
    spec = task_form_for(task)
    if form is None:
        form = build_task_form(
            {"schema": spec["schema"], "ui_schema": spec["ui_schema"]},
            values=spec["data"],
            pickers=PickerContext(viewer=request.user),
        )
    kind, record = selectors.task_record(account, task)
    return render(
        request,
        "portal/task.html",
        {
            "account": account,
            "task": task,
            "label": selectors.task_label(task),
            "form": form,
            "problem": problem,
            "record": record,
            "record_kind": kind,
            "resolution": selectors.resolution_of(kind, record),
            "nav": "tasks",
        },
        status=status,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def task_detail(request, account, pk: int):
    task = selectors.customer_task_get(account, pk)
    if request.method == "GET":
        return _render_task(request, account, task)
    spec = task_form_for(task)
    form_schema = {"schema": spec["schema"], "ui_schema": spec["ui_schema"]}
    # Only the form's own fields reach the process: nothing else a browser posts becomes data.
    data = form_data_from_post(form_schema, request.POST)
    decision = request.POST.get("decision")
    if decision and "decision" in (spec["schema"].get("properties") or {}):
        data["decision"] = decision
    try:
        engine.complete_task(task.pk, user=request.user, data=data)
    except (TaskAlreadyCompleted, TaskNotActive) as error:
        messages.error(request, str(error.message))
        return redirect("portal:tasks")
    except ValidationFailed as error:
        form = build_task_form(
            form_schema, values=data, errors=error.fields, pickers=PickerContext(viewer=request.user)
        )
        return _render_task(request, account, task, form=form, problem=str(error.message), status=400)
    except DomainError as error:  # refused by the step (nothing changed): the task stays open
        form = build_task_form(form_schema, values=data, pickers=PickerContext(viewer=request.user))
        return _render_task(
            request, account, task, form=form, problem=str(error.message), status=error.http_status
        )
    messages.success(request, _("Thank you. “%(step)s” is done.") % {"step": selectors.task_label(task)})
    return redirect("portal:tasks")


# --- the company's portal users ------------------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def team(request, account):
    errors, problem, values = {}, "", {}
    if request.method == "POST":
        values = request.POST
        try:
            services.portal_invite(
                actor=request.user,
                customer=account.customer,
                email=request.POST.get("email", ""),
            )
        except DomainError as error:
            errors, problem = _errors(error), str(error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": request.POST.get("email", "").strip()}
            )
            return redirect("portal:team")
    return render(
        request,
        "portal/team.html",
        {
            "account": account,
            "colleagues": list(selectors.colleagues(account)),
            "errors": errors,
            "problem": problem,
            "values": values,
            "nav": "team",
        },
        status=400 if problem else 200,
    )


# --- staff: invite someone of a customer to the portal (button on the customer card) -----------


def _back(request) -> str:
    """Where to return after a staff action: `next` or the Referer, if they are ours; else /."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


@require_POST
def staff_invite(request, customer_pk: int):
    """POST email (+ optional contact id, is_customer_admin): send a portal invitation for that
    customer. Staff with the edit right on the customer only; portal users never."""
    if not request.user.is_authenticated:
        return redirect_to_login(_back(request), settings.LOGIN_URL)
    if getattr(request, "portal_account", None) is not None or account_for(request.user) is not None:
        return render(request, "portal/staff_only.html", status=403)
    try:
        customer = customer_get(user=request.user, pk=customer_pk)
    except NotFound:
        raise Http404(_("Not found.")) from None
    email = request.POST.get("email", "").strip()
    contact, errors = None, {}
    contact_id = request.POST.get("contact", "").strip()
    if contact_id:
        contact = Contact.objects.filter(
            pk=int(contact_id) if contact_id.isdigit() else None, customer=customer
        ).first()
        if contact is None:
            errors["contact"] = [_("Choose a contact of this customer.")]
    status, message = 200, _("Invitation sent to %(email)s.") % {"email": email}
    try:
        if errors:
            raise ValidationFailed(_("The invitation could not be sent."), fields=errors)
        services.portal_invite(
            actor=request.user,
            customer=customer,
            email=email,
            contact=contact,
            is_customer_admin=request.POST.get("is_customer_admin") in ("1", "on", "true"),
        )
    except DomainError as error:
        status, message, errors = (
            (403 if isinstance(error, NotPermitted) else 400),
            str(error.message),
            _errors(error),
        )
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the fragment says whether it worked
        context = {"ok": status == 200, "message": message, "errors": errors}
        return render(request, "portal/staff/_invite_result.html", context)
    if status == 200:
        messages.success(request, message)
    else:
        details = " ".join(m for msgs in errors.values() for m in msgs)
        messages.error(request, f"{message} {details}".strip())
    return redirect(_back(request))


@require_POST
def language(request):
    code = request.POST.get("language", "")
    account = getattr(request, "portal_account", None) or account_for(request.user)
    if account is not None:
        with contextlib.suppress(ValidationFailed):
            services.portal_language_set(account=account, language=code)

    response_to = request.POST.get("next") or reverse("portal:home")
    if not url_has_allowed_host_and_scheme(response_to, allowed_hosts={request.get_host()}):
        response_to = reverse("portal:home")
    response = redirect(response_to)
    if code in {c for c, _n in settings.LANGUAGES}:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax")
    return response
