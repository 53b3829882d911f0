"""Merging two customer cards (客户合并): one transaction, every related record moved, provenance kept."""

from __future__ import annotations

from django.db import models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import ValidationFailed

from ..models import Customer, CustomerChange, CustomerMerge, CustomerShare, FavouriteItem
from ..selectors.merge import merge_default_side
from ..signals import business_event
from .common import display, require_row
from .customers import CUSTOMER_FIELDS, _apply_keys

# Sent inside the merge transaction, so receivers (e.g. process links kept by the processes app)
# move their own references to `removed_id` within the same commit.
customer_merged = Signal()  # kwargs: keep, removed_id, actor

MERGEABLE_FIELDS = sorted(CUSTOMER_FIELDS | {"level", "owner", "custom"})


def _snapshot(customer: Customer) -> dict:
    data = {}
    for field in customer._meta.concrete_fields:
        value = field.value_from_object(customer)
        data[field.attname] = (
            value if isinstance(value, int | float | bool | str | dict | list | None) else str(value)
        )
    return data


@transaction.atomic
def customer_merge(
    *, actor, keep: Customer, remove: Customer, choices: dict[str, str] | None = None
) -> Customer:
    """Merge `remove` into `keep`.

    `choices` maps a field name to "keep" or "remove": whose value the merged card takes (default
    keep; an empty kept value is filled from the removed card). Every record pointing at the
    removed customer is moved, the removed card's data is kept in a CustomerMerge row.
    """
    if keep.pk == remove.pk:
        raise ValidationFailed(
            _("A customer cannot be merged with itself."), fields={"remove": [_g("Choose another customer.")]}
        )
    choices = choices or {}
    errors = {}
    for field, side in choices.items():
        if field not in MERGEABLE_FIELDS:
            errors.setdefault(field, []).append(_g("This field cannot be chosen."))
        elif side not in ("keep", "remove"):
            errors.setdefault(field, []).append(_g("Choose keep or remove."))
    if errors:
        raise ValidationFailed(_("The merge choices are invalid."), fields=errors)
    require_row(actor, keep, "change")
    require_row(actor, remove, "delete")
    # Lock both rows in id order so two merges touching the same cards cannot deadlock.
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[keep.pk, remove.pk]).order_by("pk")
    }
    keep, remove = locked[keep.pk], locked[remove.pk]
    kept_before, removed_snapshot = _snapshot(keep), _snapshot(remove)

    taken = {}
    for field in MERGEABLE_FIELDS:
        attname = Customer._meta.get_field(field).attname
        kept_value, removed_value = getattr(keep, attname), getattr(remove, attname)
        side = choices.get(field)
        if field == "custom":
            merged = (
                {**(remove.custom or {}), **(keep.custom or {})}
                if side != "remove"
                else {
                    **(keep.custom or {}),
                    **(remove.custom or {}),
                }
            )
            if merged != keep.custom:
                taken[field] = ("both", keep.custom, merged)
                keep.custom = merged
            continue
        take_removed = (side or merge_default_side(field, kept_value, removed_value)) == "remove"
        if take_removed and kept_value != removed_value:
            taken[field] = ("remove", kept_value, removed_value)
            setattr(keep, attname, removed_value)
    # Follow-up facts: the merged card is as fresh as the fresher of the two.
    for attname in ("last_activity_at", "last_won_at"):
        a, b = getattr(keep, attname), getattr(remove, attname)
        if b is not None and (a is None or b > a):
            setattr(keep, attname, b)
    if remove.next_follow_up and (keep.next_follow_up is None or remove.next_follow_up < keep.next_follow_up):
        keep.next_follow_up = remove.next_follow_up
    _apply_keys(keep)

    moved = _move_related(keep, remove)
    customer_merged.send(sender=Customer, keep=keep, removed_id=remove.pk, actor=actor)
    business_event.send(
        sender=Customer,
        name="customer.merged",
        obj=keep,
        actor=actor,
        data={"removed_code": remove.code, "removed_name": remove.name},
    )

    merge = CustomerMerge.objects.create(
        kept=keep,
        removed_id=remove.pk,
        removed_code=remove.code,
        removed_name=remove.name,
        removed_snapshot=removed_snapshot,
        kept_snapshot=kept_before,
        choices={field: side for field, (side, _old, _new) in taken.items()},
        moved=moved,
        merged_by=actor,
    )
    removed_pk = remove.pk
    audit_record(
        action="delete",
        actor=actor,
        obj=remove,
        changes=diff(snapshot(remove), {}),
        extra={"merged_into": keep.pk},
    )
    Customer.objects.filter(pk=removed_pk).delete()
    keep.save()
    history = [
        CustomerChange(
            customer=keep,
            kind=CustomerChange.Kind.MERGE,
            field=field,
            old_value=display(old),
            new_value=display(new),
            note=_g("from %(code)s %(name)s") % {"code": remove.code, "name": remove.name},
            changed_by=actor,
        )
        for field, (_side, old, new) in taken.items()
    ]
    history.append(
        CustomerChange(
            customer=keep,
            kind=CustomerChange.Kind.MERGE,
            field="merge",
            old_value=f"{remove.code} {remove.name}",
            new_value=f"{keep.code} {keep.name}",
            note=(_g("merge #%(id)s") % {"id": merge.pk})[:300],
            changed_by=actor,
        )
    )
    CustomerChange.objects.bulk_create(history)
    audit_record(
        action="change",
        actor=actor,
        obj=keep,
        changes={"merged": [f"{remove.code} {remove.name}", keep.code]},
        extra={"merge_id": merge.pk, "moved": {k: len(v) for k, v in moved.items()}},
    )
    return keep


def _move_related(keep: Customer, remove: Customer) -> dict[str, list]:
    """Point every foreign key that references `remove` at `keep`; return {model: [ids]} moved."""
    moved: dict[str, list] = {}
    # Rows that would collide with a unique constraint on the kept side are dropped first.
    kept_lists = FavouriteItem.objects.filter(customer=keep).values("favourite_list_id")
    FavouriteItem.objects.filter(customer=remove, favourite_list_id__in=kept_lists).delete()
    for share in CustomerShare.objects.filter(customer=remove):
        duplicate = CustomerShare.objects.filter(
            customer=keep, user=share.user_id, group=share.group_id, department=share.department_id
        ).first()
        if duplicate is not None:
            if share.level == "edit" and duplicate.level != "edit":
                duplicate.level = "edit"
                duplicate.save(update_fields=["level"])
            share.delete()
    for relation in Customer._meta.related_objects:
        if relation.many_to_many or relation.related_model is CustomerMerge:
            continue
        model = relation.related_model
        field: models.ForeignKey = relation.field
        qs = model._base_manager.filter(**{field.name: remove.pk})
        ids = list(qs.values_list("pk", flat=True))
        if ids:
            model._base_manager.filter(pk__in=ids).update(**{field.name: keep.pk})
            moved[model._meta.label_lower + "." + field.name] = ids
    return moved
