"""Customer pools (公海): claim, release, assign and the periodic recycling by the pool rules."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import formats, timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, NotPermitted, ValidationFailed
from core.events import request_notification
from org.selectors import effective_group_ids

from ..models import Customer, CustomerChange, CustomerPool, Opportunity, PoolMove
from ..signals import customers_recycled
from .common import display, require_permission, require_row

User = get_user_model()


def default_pool() -> CustomerPool | None:
    return CustomerPool.objects.filter(is_default=True, active=True).order_by("pk").first()


def _may_claim(actor, pool: CustomerPool) -> bool:
    allowed = set(pool.claim_groups.values_list("pk", flat=True))
    return not allowed or bool(allowed & effective_group_ids(actor))


def _record(customer, pool, action, *, actor, from_user, to_user, reason=""):
    PoolMove.objects.create(
        customer=customer,
        pool=pool,
        action=action,
        from_user=from_user,
        to_user=to_user,
        actor=actor,
        reason=reason,
    )
    CustomerChange.objects.create(
        customer=customer,
        kind=CustomerChange.Kind.OWNER,
        field="owner",
        old_value=display(from_user),
        new_value=display(to_user),
        note=f"{PoolMove.Action(action).label}: {pool}"[:300],
        changed_by=actor,
    )


def _check_claim_rules(actor, customer: Customer, pool: CustomerPool) -> None:
    """The pool's daily quota per person and the former owner's cooldown (公海规则)."""
    now = timezone.now()
    if pool.daily_claim_quota is not None:
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        claimed = PoolMove.objects.filter(
            pool=pool, action=PoolMove.Action.CLAIM, to_user=actor, actor=actor, at__gte=today
        ).count()
        if claimed >= pool.daily_claim_quota:
            raise ValidationFailed(
                _("Daily claim quota reached."),
                code="claim_quota",
                fields={
                    "customer": [
                        _g(
                            "You claimed %(n)d customers from this pool today (quota %(quota)d); "
                            "try tomorrow."
                        )
                        % {"n": claimed, "quota": pool.daily_claim_quota}
                    ]
                },
            )
    if pool.reclaim_cooldown_days:
        left = (
            PoolMove.objects.filter(
                customer=customer,
                from_user=actor,
                action__in=[PoolMove.Action.RELEASE, PoolMove.Action.RECYCLE],
                at__gt=now - datetime.timedelta(days=pool.reclaim_cooldown_days),
            )
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        if left is not None:
            until = timezone.localtime(left + datetime.timedelta(days=pool.reclaim_cooldown_days)).date()
            raise ValidationFailed(
                _("Too soon to claim this customer again."),
                code="claim_cooldown",
                fields={
                    "customer": [
                        _g("You held this customer until recently; you may claim it again from %(date)s.")
                        % {"date": formats.date_format(until, "SHORT_DATE_FORMAT")}
                    ]
                },
            )


@transaction.atomic
def pool_claim(*, actor, customer: Customer) -> Customer:
    """A salesperson takes an unowned customer from its pool (领取), within the claim limit."""
    require_permission(actor, Customer, "change")
    customer = Customer.objects.select_for_update(of=("self",)).select_related("pool").get(pk=customer.pk)
    if customer.owner_id is not None or customer.pool is None:
        raise Conflict(_("This customer is not in a pool (someone may have claimed it already)."))
    # Locking the pool row serializes claims in this pool, so the limit cannot be overrun.
    pool = CustomerPool.objects.select_for_update().get(pk=customer.pool_id)
    if not pool.active:
        raise Conflict(_("This pool is closed."))
    if not _may_claim(actor, pool):
        raise NotPermitted(_("You may not claim customers from this pool."))
    _check_claim_rules(actor, customer, pool)
    held = Customer.objects.filter(pool=pool, owner=actor).count()
    if held >= pool.claim_limit:
        raise ValidationFailed(
            _("Claim limit reached."),
            code="claim_limit",
            fields={
                "customer": [
                    _g("You already hold %(n)d customers from this pool (limit %(limit)d).")
                    % {"n": held, "limit": pool.claim_limit}
                ]
            },
        )
    customer.owner = actor
    customer.owned_since = timezone.now()
    customer.save(update_fields=["owner", "owned_since", "updated_at"])
    _record(customer, pool, PoolMove.Action.CLAIM, actor=actor, from_user=None, to_user=actor)
    audit_record(
        action="change",
        actor=actor,
        obj=customer,
        changes={"owner": [None, str(actor)]},
        extra={"pool": pool.code},
    )
    return customer


@transaction.atomic
def pool_release(
    *, actor, customer: Customer, pool: CustomerPool | None = None, reason: str = ""
) -> Customer:
    """The owner (or their manager) returns a customer to a pool (释放)."""
    require_row(actor, customer, "change")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.owner_id is None:
        raise Conflict(_("This customer has no owner."))
    pool = pool or customer.pool or default_pool()
    if pool is None:
        raise ValidationFailed(
            _("There is no pool to release the customer to."), fields={"pool": [_g("Choose a pool.")]}
        )
    previous = customer.owner
    customer.owner = None
    customer.owned_since = None
    customer.pool = pool
    customer.save(update_fields=["owner", "owned_since", "pool", "updated_at"])
    _record(
        customer, pool, PoolMove.Action.RELEASE, actor=actor, from_user=previous, to_user=None, reason=reason
    )
    audit_record(
        action="change",
        actor=actor,
        obj=customer,
        changes={"owner": [str(previous), None]},
        extra={"pool": pool.code},
    )
    return customer


@transaction.atomic
def pool_assign(*, actor, customer: Customer, to_user, reason: str = "") -> Customer:
    """A manager hands a pool customer to a salesperson (分配); the claim limit does not apply."""
    require_permission(actor, CustomerPool, "change")
    customer = Customer.objects.select_for_update(of=("self",)).select_related("pool").get(pk=customer.pk)
    if customer.owner_id is not None or customer.pool is None:
        raise Conflict(_("This customer is not in a pool."))
    if to_user is None or not to_user.is_active:
        raise ValidationFailed(
            _("Choose an active user."), fields={"to_user": [_g("Choose an active user.")]}
        )
    customer.owner = to_user
    customer.owned_since = timezone.now()
    customer.save(update_fields=["owner", "owned_since", "updated_at"])
    _record(
        customer,
        customer.pool,
        PoolMove.Action.ASSIGN,
        actor=actor,
        from_user=None,
        to_user=to_user,
        reason=reason,
    )
    audit_record(action="change", actor=actor, obj=customer, changes={"owner": [None, str(to_user)]})
    return customer


def recyclable(pool: CustomerPool, now: datetime.datetime):
    """Owned customers that the pool's rules send back, as a queryset (indexed by owner/pool)."""
    if pool.days_without_follow_up is None and pool.days_without_won_deal is None:
        return Customer.objects.none()
    scope = Q(pool=pool)
    if pool.is_default:
        scope |= Q(pool__isnull=True)
    qs = Customer.objects.filter(scope, owner__isnull=False)
    due = Q()
    if pool.days_without_follow_up is not None:
        # A fresh owner gets the full period even if the previous owner's last activity is old.
        qs = qs.annotate(
            _followed=Greatest(
                Coalesce(F("last_activity_at"), F("owned_since"), F("created_at")),
                Coalesce(F("owned_since"), F("created_at")),
            )
        )
        due |= Q(_followed__lt=now - datetime.timedelta(days=pool.days_without_follow_up))
    if pool.days_without_won_deal is not None:
        qs = qs.annotate(
            _won=Greatest(
                Coalesce(F("last_won_at"), F("owned_since"), F("created_at")),
                Coalesce(F("owned_since"), F("created_at")),
            )
        )
        due |= Q(_won__lt=now - datetime.timedelta(days=pool.days_without_won_deal))
    qs = qs.filter(due)
    if pool.protect_open_opportunities:
        qs = qs.exclude(
            Exists(Opportunity.objects.filter(customer=OuterRef("pk"), status=Opportunity.Status.OPEN))
        )
    return qs


def pool_recycle_warnings(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Tell owners which of their customers the pool's rules will take back within the pool's
    warning period (公海回收提醒), once per customer and period; the pool's rules stay the judge:
    a follow-up meanwhile keeps the customer, and a later approach warns again."""
    now = now or timezone.now()
    result: dict[str, int] = {}
    for pool in CustomerPool.objects.filter(active=True, warn_days_before_recycle__isnull=False).order_by(
        "pk"
    ):
        days = pool.warn_days_before_recycle
        if not days:
            continue
        soon = (
            recyclable(pool, now + datetime.timedelta(days=days))
            .exclude(pk__in=recyclable(pool, now).values("pk"))
            .filter(
                Q(recycle_warned_at__isnull=True)
                | Q(recycle_warned_at__lt=now - datetime.timedelta(days=days))
            )
        )
        with transaction.atomic():
            rows = list(
                soon.select_for_update(skip_locked=True).order_by("pk").values_list("pk", "owner_id", "name")
            )
            if rows:
                Customer.objects.filter(pk__in=[pk for pk, _o, _n in rows]).update(recycle_warned_at=now)
                by_owner: dict[int, list[str]] = {}
                for _pk, owner, name in rows:
                    by_owner.setdefault(owner, []).append(name)
                transaction.on_commit(
                    lambda pool=pool, by_owner=by_owner, days=days: _tell_owners(
                        "pool_recycle_warning", pool, by_owner, days=days
                    )
                )
        result[pool.code] = len(rows)
    return result


def _tell_owners(template: str, pool: CustomerPool, by_owner: dict[int, list[str]], **extra) -> None:
    """One notification per owner, naming up to five of their customers."""
    from django.urls import reverse

    owners = {user.pk: user for user in User.objects.filter(pk__in=by_owner, is_active=True)}
    for owner_id, names in by_owner.items():
        if owner_id not in owners:
            continue
        shown = "、".join(sorted(names)[:5]) + ("…" if len(names) > 5 else "")
        request_notification(
            recipients=[owners[owner_id]],
            template=template,
            context={"count": len(names), "customers": shown, "pool": pool.name, **extra},
            url=reverse("crm:customer_list"),
        )


def pool_recycle(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> dict[str, int]:
    """Return customers to their pools by the rules; notify the former owners after commit.

    Works in batches, each its own transaction, so a huge backlog never holds long locks.
    """
    now = now or timezone.now()
    result: dict[str, int] = {}
    for pool in CustomerPool.objects.filter(active=True).order_by("pk"):
        total = 0
        while True:
            with transaction.atomic():
                found = list(
                    recyclable(pool, now)
                    .select_for_update(skip_locked=True)
                    .order_by("pk")
                    .values_list("pk", "owner_id", "name")[:batch_size]
                )
                rows = [(pk, owner) for pk, owner, _name in found]
                if not rows:
                    break
                ids = [pk for pk, _owner in rows]
                Customer.objects.filter(pk__in=ids).update(
                    owner=None, owned_since=None, pool=pool, updated_at=now
                )
                reason = _g("no follow-up or won deal within the pool's limits")
                PoolMove.objects.bulk_create(
                    [
                        PoolMove(
                            customer_id=pk,
                            pool=pool,
                            action=PoolMove.Action.RECYCLE,
                            from_user_id=owner,
                            reason=reason,
                        )
                        for pk, owner in rows
                    ]
                )
                names = {u.pk: str(u) for u in User.objects.filter(pk__in={o for _p, o in rows})}
                CustomerChange.objects.bulk_create(
                    [
                        CustomerChange(
                            customer_id=pk,
                            kind=CustomerChange.Kind.OWNER,
                            field="owner",
                            old_value=names.get(owner, ""),
                            new_value="",
                            note=f"{PoolMove.Action.RECYCLE.label}: {pool}"[:300],
                        )
                        for pk, owner in rows
                    ]
                )
                by_owner: dict[int, list[int]] = {}
                names_by_owner: dict[int, list[str]] = {}
                for pk, owner, name in found:
                    by_owner.setdefault(owner, []).append(pk)
                    names_by_owner.setdefault(owner, []).append(name)

                def after_commit(pool=pool, by_owner=by_owner, names_by_owner=names_by_owner):
                    customers_recycled.send(sender=CustomerPool, pool=pool, by_owner=by_owner, at=now)
                    _tell_owners("pool_recycled", pool, names_by_owner)

                transaction.on_commit(after_commit)
                total += len(rows)
            if len(rows) < batch_size:
                break
        result[pool.code] = total
    return result


POOL_RULES = (
    "claim_limit",
    "warn_days_before_recycle",
    "daily_claim_quota",
    "reclaim_cooldown_days",
    "days_without_follow_up",
    "days_without_won_deal",
)


@transaction.atomic
def pool_rules_update(
    *, actor, pool: CustomerPool, values: dict, protect_open_opportunities: bool
) -> CustomerPool:
    """Sales operations sets a pool's rules (公海规则): numbers of days and customers, each a whole
    number (empty: no such rule; the claim limit is always set). Audited with the diff."""
    from audit.services import diff, snapshot

    if actor is None or not (actor.is_superuser or actor.has_perm("crm.manage_sales")):
        raise NotPermitted(_("You may not change the pool rules."))
    pool = CustomerPool.objects.select_for_update().get(pk=pool.pk)
    before = snapshot(pool)
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    for name in POOL_RULES:
        raw = str(values.get(name) if values.get(name) is not None else "").strip()
        if raw == "" and name != "claim_limit":
            cleaned[name] = None
            continue
        if not raw.isdigit() or int(raw) > 36500:
            errors[name] = [_g("Enter a whole number from 0 to 36500.")]
            continue
        cleaned[name] = int(raw)
    if errors:
        raise ValidationFailed(_("The pool rules could not be saved."), fields=errors)
    for name, value in cleaned.items():
        setattr(pool, name, value)
    pool.protect_open_opportunities = protect_open_opportunities
    pool.save()
    changes = diff(before, snapshot(pool))
    if changes:
        audit_record(action="change", actor=actor, obj=pool, changes=changes)
    return pool
