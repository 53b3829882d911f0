"""Writes of the customer portal: accounts (invitation, password links) and what customers submit.

Customers are not staff: the CRM services check staff permissions and row rules, which a portal
user never holds. The portal's own rule is simpler and stricter: an account acts for its one
customer company only. So these services validate, create the CRM record for that customer, audit
it and announce the business event (its start binding starts the process), all in one
transaction; e-mails go out after commit.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed
from crm.files import CheckedFile, check_upload
from crm.models import Complaint, Consultation, Contact, Customer, Order, ServiceRequest
from crm.service.services import customer_case_message_add, customer_consultation_ask
from crm.services import customer_side
from engine import services as engine
from engine.selectors import portal as engine_portal

from .models import PortalAccount, PortalToken, RequestAttachment

INVITE_HOURS = getattr(settings, "PORTAL_INVITE_HOURS", 72)
RESET_HOURS = getattr(settings, "PORTAL_RESET_HOURS", 2)
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ORDER_QUANTITY = customer_side.MAX_ORDER_QUANTITY

# What customers may attach to a complaint or a service request (checked by crm.files).
ATTACHMENT_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".txt", ".docx", ".xlsx")

# --- one-time links ------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_link(account: PortalAccount, purpose: str, *, actor=None) -> str:
    """A fresh secret; earlier unused links of the same purpose stop working."""
    now = timezone.now()
    account.tokens.filter(purpose=purpose, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    hours = INVITE_HOURS if purpose == PortalToken.Purpose.INVITE else RESET_HOURS
    secret = secrets.token_urlsafe(32)
    PortalToken.objects.create(
        account=account,
        purpose=purpose,
        token_hash=_hash(secret),
        expires_at=now + datetime.timedelta(hours=hours),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return secret


def portal_link_check(*, secret: str, purpose: str) -> PortalToken:
    """The link's token, if it may still be used; else ValidationFailed saying why."""
    token = (
        PortalToken.objects.select_related("account__user", "account__customer")
        .filter(token_hash=_hash(secret or ""), purpose=purpose)
        .first()
    )
    if token is None:
        raise ValidationFailed(_("This link is not valid."), code="link_invalid")
    if token.used_at is not None:
        raise ValidationFailed(_("This link has already been used."), code="link_used")
    if token.expires_at <= timezone.now():
        raise ValidationFailed(_("This link has expired. Ask for a new one."), code="link_expired")
    return token


@transaction.atomic
def portal_link_use(*, secret: str, purpose: str, password1: str, password2: str):
    """Set the password through an invitation or reset link; the link works once."""
    token = portal_link_check(secret=secret, purpose=purpose)
    token = PortalToken.objects.select_for_update().get(pk=token.pk)
    if token.used_at is not None:
        raise ValidationFailed(_("This link has already been used."), code="link_used")
    user = token.account.user
    errors: dict = {}
    if not password1:
        errors["password1"] = [gettext("This field is required.")]
    elif password1 != password2:
        errors["password2"] = [gettext("The two passwords differ.")]
    else:
        try:
            password_validation.validate_password(password1, user)
        except ValidationError as error:
            errors["password1"] = list(error.messages)
    if errors:
        raise ValidationFailed(_("The password could not be set."), fields=errors)
    now = timezone.now()
    user.set_password(password1)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    token.used_at = now
    token.save(update_fields=["used_at"])
    account = token.account
    if account.activated_at is None:
        account.activated_at = now
        account.save(update_fields=["activated_at"])
    audit_record(action="change", actor=user, obj=account, extra={"password_set": token.purpose})
    return user


def _send_link_mail(*, user, template: str, subject, link: str, customer: Customer) -> None:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject_text = str(subject)
        body = render_to_string(
            template, {"user": user, "link": link, "customer": customer, "hours": INVITE_HOURS}
        )
    transaction.on_commit(lambda: send_mail(subject_text, body, None, [user.email]))


def _may_invite(actor, customer: Customer, *, is_customer_admin: bool) -> None:
    account = getattr(actor, "portal_account", None) if actor is not None else None
    if account is not None:
        if account.customer_id != customer.pk or not account.is_customer_admin:
            raise NotPermitted(_("Only your company's portal administrator may invite colleagues."))
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotPermitted(_("Sign in to invite portal users."))
    if not Customer.objects.visible_to(actor, "change").filter(pk=customer.pk).exists():
        raise NotPermitted(_("You may not give portal access for this customer."))


@transaction.atomic
def portal_invite(
    *,
    actor,
    customer: Customer,
    email: str,
    contact: Contact | None = None,
    is_customer_admin: bool = False,
) -> PortalAccount:
    """Invite someone of `customer` to the portal: an inactive account and an e-mail with a link to
    set the password (valid INVITE_HOURS). Inviting a pending address again sends a new link."""
    _may_invite(actor, customer, is_customer_admin=is_customer_admin)
    if getattr(actor, "portal_account", None) is not None:
        is_customer_admin = False  # only staff appoint a company's portal administrator
    email = (email or "").strip().lower()
    errors: dict = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [gettext("Enter a valid e-mail address.")]
    if not customer.portal_enabled:
        errors.setdefault("__all__", []).append(
            gettext(
                "Portal access is switched off for this customer; switch it on on the customer card first."
            )
        )
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [gettext("The contact belongs to another customer.")]
    User = get_user_model()
    existing = User.objects.filter(username__iexact=email).select_related("portal_account").first()
    if existing is None and not errors:
        existing = User.objects.filter(email__iexact=email).first()
    account = None
    if existing is not None and not errors:
        account = PortalAccount.objects.filter(user=existing).first()
        if account is None or account.customer_id != customer.pk:
            errors["email"] = [gettext("This address already belongs to another user.")]
        elif existing.is_active:
            errors["email"] = [gettext("This colleague already has portal access.")]
    if errors:
        raise ValidationFailed(_("The invitation could not be sent."), fields=errors)
    if account is None:
        user = User(username=email, email=email, is_active=False, language=translation.get_language() or "")
        if user.language not in {code for code, _name in settings.LANGUAGES}:
            user.language = ""
        user.set_unusable_password()
        user.save()
        account = PortalAccount.objects.create(
            user=user,
            customer=customer,
            contact=contact,
            is_customer_admin=is_customer_admin,
            invited_by=actor,
        )
        audit_record(action="create", actor=actor, obj=account, extra={"email": email})
    secret = _new_link(account, PortalToken.Purpose.INVITE, actor=actor)
    link = _public_link(reverse("portal:invitation", args=[secret]))
    _send_link_mail(
        user=account.user,
        template="portal/email/invitation.txt",
        subject=_("Your invitation to the %(company)s customer portal") % {"company": customer.name},
        link=link,
        customer=customer,
    )
    return account


@transaction.atomic
def portal_password_reset_request(*, email: str) -> None:
    """Mail a reset link if `email` is an active portal account; say nothing either way, so the
    form cannot be used to find out who has an account."""
    email = (email or "").strip().lower()
    account = (
        PortalAccount.objects.select_related("user", "customer")
        .filter(user__email__iexact=email, user__is_active=True)
        .first()
    )
    if account is None or not email:
        return
    secret = _new_link(account, PortalToken.Purpose.RESET)
    link = _public_link(reverse("portal:password_reset_confirm", args=[secret]))
    _send_link_mail(
        user=account.user,
        template="portal/email/password_reset.txt",
        subject=_("Reset your customer portal password"),
        link=link,
        customer=account.customer,
    )


def _public_link(path: str) -> str:
    # Never from the request's Host header: anyone can send a reset request with a forged Host and
    # have the victim's one-time link point at their own server.
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


# --- attachments ---------------------------------------------------------------------------


def _check_files(files, errors: dict) -> list[CheckedFile]:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_ATTACHMENTS:
        errors.setdefault("attachments", []).append(
            gettext("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}
        )
        return []
    checked = [
        check_upload(
            upload,
            allowed=ATTACHMENT_TYPES,
            max_bytes=MAX_ATTACHMENT_BYTES,
            field="attachments",
            errors=errors,
        )
        for upload in files
    ]
    return [item for item in checked if item is not None]


def _store_files(checked: list[CheckedFile], *, account: PortalAccount, **record) -> None:
    for item in checked:
        attachment = RequestAttachment(
            customer_id=account.customer_id,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            uploaded_by=account.user,
            **record,
        )
        attachment.file.save(item.name, item.upload, save=False)
        attachment.save()


# --- submissions ---------------------------------------------------------------------------


def _require_account(account: PortalAccount) -> None:
    if account is None or not account.user.is_active or not account.customer.portal_enabled:
        raise NotPermitted(_("Your portal access is not active."))


@transaction.atomic
def portal_complaint_submit(
    *,
    account: PortalAccount,
    category: str,
    subject: str,
    description: str,
    severity: str = "",
    files=None,
) -> Complaint:
    """A complaint from the portal, with attachments (crm's customer-side service writes it and
    starts the process bound to `complaint.submitted`)."""
    _require_account(account)
    errors: dict = {}
    checked = _check_files(files, errors)
    complaint = customer_side.customer_complaint_submit(
        user=account.user,
        customer=account.customer,
        contact=account.contact,
        category=category,
        subject=subject,
        description=description,
        severity=severity,
        errors=errors,
        variables={"attachments": len(checked)},
    )
    _store_files(checked, account=account, complaint=complaint)
    return complaint


@transaction.atomic
def portal_service_request_submit(
    *,
    account: PortalAccount,
    kind: str,
    product_id=None,
    serial_number: str = "",
    preferred_time: str = "",
    address: str = "",
    description: str = "",
    files=None,
) -> ServiceRequest:
    """A service request (repair, return, installation, visit) from the portal."""
    _require_account(account)
    errors: dict = {}
    checked = _check_files(files, errors)
    try:
        request = customer_side.customer_service_request_submit(
            user=account.user,
            customer=account.customer,
            contact=account.contact,
            kind=kind,
            product=product_id,
            serial_number=serial_number,
            preferred_at=preferred_time,
            address=address,
            description=description,
            errors=errors,
            variables={"attachments": len(checked)},
        )
    except ValidationFailed as error:
        # the form's field is called preferred_time
        if error.fields and "preferred_at" in error.fields:
            error.fields["preferred_time"] = error.fields.pop("preferred_at")
        raise
    _store_files(checked, account=account, service_request=request)
    return request


def portal_order_submit(
    *, account: PortalAccount, cart: dict, delivery_on: str = "", notes: str = ""
) -> Order:
    """An order from the catalogue: the cart {product id: quantity} at today's catalogue prices,
    submitted for approval (`order.submitted`)."""
    _require_account(account)
    return customer_side.customer_order_place(
        user=account.user,
        customer=account.customer,
        contact=account.contact,
        cart=cart,
        delivery_on=delivery_on,
        notes=notes,
    )


@transaction.atomic
def portal_language_set(*, account: PortalAccount, language: str) -> None:
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed(_("Unknown language."))
    user = account.user
    user.language = language
    user.save(update_fields=["language"])


def portal_comment_add(*, account: PortalAccount, obj, text: str):
    """A message from the customer on their own request, kept in the process history (staff read it
    on the task page). The engine lets the person who submitted the request comment."""
    _require_account(account)
    if getattr(obj, "customer_id", None) != account.customer_id:
        raise NotPermitted(_("Not found."))
    instance = engine_portal.newest_instance_of(ContentType.objects.get_for_model(type(obj)), str(obj.pk))
    task = engine_portal.task_to_comment_on(instance) if instance is not None else None
    if task is None:
        if isinstance(obj, Complaint | ServiceRequest):
            # no process runs on it (yet): the message waits on the case for the service desk
            return customer_case_message_add(user=account.user, case=obj, text=text)
        raise ValidationFailed(_("Nobody is working on this request yet; please write again a little later."))
    if instance.started_by_id != account.user_id:
        raise NotPermitted(_("Only the person who submitted this request can add messages to it."))
    return engine.add_comment(task.pk, user=account.user, text=text, public=True)


def portal_question_ask(*, account: PortalAccount, question: str, category: str = "", kind: str = ""):
    """A question the customer asks: a consultation of the company, answered by the service
    desk; the answer shows on the portal's questions page."""
    _require_account(account)
    return customer_consultation_ask(
        user=account.user,
        customer=account.customer,
        contact=account.contact,
        question=question,
        category=category or None,
        kind=kind or Consultation.Kind.PRE_SALE,
    )
