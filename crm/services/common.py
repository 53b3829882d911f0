"""Helpers shared by the CRM services: permission checks, codes, field validation."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core import dates
from core.errors import NotFound, NotPermitted, ValidationFailed
from core.ranges import out_of_range
from engine.connectors import is_process_actor
from org.permissions import user_can

from ..models import ChoiceOption, CodeSequence, CustomFieldDefinition

# Digits (also full-width), separators, brackets (also full-width) and extension markers.
_PHONE_ALLOWED = re.compile(
    "^[0-9\uff10-\uff19+\uff0b\\-\uff0d ()\uff08\uff09.#*/,\u8f6cext\\s]+$", re.IGNORECASE
)


def require_permission(actor, model: type[models.Model], action: str) -> None:
    """The actor holds the entity permission; a running process (ProcessActor) acts with its own
    authority: its BPMN already decided who may do the step."""
    if is_process_actor(actor):
        return
    if not user_can(actor, model, action):
        raise NotPermitted(
            _g("You may not %(action)s %(entity)s.")
            % {"action": action, "entity": model._meta.verbose_name_plural}
        )


def require_row(actor, obj: models.Model, action: str) -> None:
    """The actor holds the permission and the row rule admits this very row."""
    if is_process_actor(actor):
        return
    require_permission(actor, type(obj), action)
    if not type(obj).objects.visible_to(actor, action).filter(pk=obj.pk).exists():
        raise NotPermitted(_g("You may not %(action)s %(object)s.") % {"action": action, "object": obj})


def get_visible(actor, model: type[models.Model], pk, action: str = "view"):
    """Fetch + permission check in one call (zulip's access_x_by_id)."""
    try:
        return model.objects.visible_to(actor, action).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound(_g("%(entity)s not found.") % {"entity": model._meta.verbose_name}) from None


def next_codes(sequence: str, prefix: str, count: int = 1, width: int = 6) -> list[str]:
    """Reserve `count` consecutive codes; the row lock serializes concurrent callers."""
    with transaction.atomic():
        CodeSequence.objects.get_or_create(name=sequence)
        seq = CodeSequence.objects.select_for_update().get(name=sequence)
        first = seq.next_value
        seq.next_value = first + count
        seq.save(update_fields=["next_value"])
    return [f"{prefix}{n:0{width}d}" for n in range(first, first + count)]


def next_code(sequence: str, prefix: str, width: int = 6) -> str:
    return next_codes(sequence, prefix, 1, width)[0]


def check_phone(value: str) -> str | None:
    """An error message for a phone number that cannot be one, else None."""
    if not value:
        return None
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_ALLOWED.match(value) or digits < 6 or digits > 20:
        return _g("Enter a valid phone number (6-20 digits; spaces, +, -, brackets allowed).")
    return None


def check_email(value: str) -> str | None:
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        return _g("Enter a valid e-mail address.")
    return None


def resolve_option(value, choice_list: str, field: str, errors: dict) -> ChoiceOption | None:
    """Accept an option, its pk or its code/label; record an error when it is not on the list."""
    if value in (None, ""):
        return None
    if isinstance(value, ChoiceOption):
        option = value
    else:
        qs = ChoiceOption.objects.filter(choice_list=choice_list)
        option = None
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            option = qs.filter(pk=int(value)).first()
        if option is None and isinstance(value, str):
            option = qs.filter(models.Q(code=value) | models.Q(label=value)).first()
    if option is None or option.choice_list != choice_list or not option.active:
        errors.setdefault(field, []).append(_g("“%(value)s” is not on the list.") % {"value": value})
        return None
    return option


def parse_decimal(value, field: str, errors: dict, column: models.Field | None = None) -> Decimal | None:
    """A finite number (commas allowed); with `column`, also one that the column can store."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_g("Enter a number."))
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_g("Enter a number."))
        return None
    if column is not None:
        check_fits(number, column, field, errors)
    return number


def check_fits(value, model_field: models.Field, field: str, errors: dict, message=None) -> bool:
    """False, with a located error, when `value` is beyond what the model field stores."""
    problem = out_of_range(model_field, value)
    if problem is None:
        return True
    errors.setdefault(field, []).append(message or problem)
    return False


def clean_text(value, field: str, errors: dict, *, required: bool = False, limit: int = 200) -> str:
    """Stripped text; a located error when required and empty or longer than `limit`."""
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        errors.setdefault(field, []).append(_g("This field is required."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(_g("At most %(n)d characters.") % {"n": limit})
    return text


def parse_datetime(value, field: str, errors: dict) -> datetime.datetime | None:
    """A datetime or an ISO string (a form's datetime-local); naive values are in the current zone."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.setdefault(field, []).append(_g("Enter a date and time."))
            return None
    problem = dates.range_error(moment)
    if problem:
        errors.setdefault(field, []).append(problem)
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_date(value, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            errors.setdefault(field, []).append(_g("Enter a date as YYYY-MM-DD."))
            return None
    problem = dates.range_error(day)
    if problem:
        errors.setdefault(field, []).append(problem)
        return None
    return day


def clean_custom_fields(
    entity: str,
    values: dict | None,
    *,
    partial: bool = False,
    existing=None,
    definitions: dict | None = None,
    actor=None,
) -> dict:
    """Validate custom field values against the entity's definitions; return the JSON to store.

    Numbers are stored as JSON numbers, dates as ISO strings, several choices as a list and a
    person as the user's id, so a key filter works on both PostgreSQL and SQLite. Every message
    names the field. Given an `actor`, a field they may not edit keeps its stored value (sending a
    different one is an error) and is not required of them.
    """
    from ..selectors.custom_fields import custom_definitions, may_edit

    values = values or {}
    if definitions is None:  # importers pass them in, once per job
        definitions = {d.key: d for d in custom_definitions(entity)}
    errors: dict[str, list] = {}
    existing = existing or {}
    result = dict(existing) if partial else {}
    for key in values:
        if key not in definitions:
            errors.setdefault(f"custom.{key}", []).append(_g("Unknown custom field."))
    for key, definition in definitions.items():
        field = f"custom.{key}"
        label = definition.label

        def fail(message, field=field, label=label):
            errors.setdefault(field, []).append(f"{label}: {message}")

        if actor is not None and not may_edit(actor, definition):
            if key in values and values[key] not in (None, "", []) and values[key] != existing.get(key):
                fail(_g("you may not change this field."))
            if key in existing:
                result[key] = existing[key]
            continue
        if key not in values:
            if definition.required and not partial and existing.get(key) in (None, "", []):
                fail(_g("this field is required."))
            elif not partial and key in existing:
                result[key] = existing[key]
            continue
        raw = values[key]
        if definition.kind == CustomFieldDefinition.Kind.BOOL:
            result[key] = raw in (True, "on", "true", "1", 1, "yes", "True")
            continue
        if raw in (None, "", []):
            if definition.required:
                fail(_g("this field is required."))
            result.pop(key, None)
            continue
        value = _custom_value(definition, raw, fail)
        if value is not None:
            result[key] = value
    if errors:
        raise ValidationFailed(_("Some custom fields are invalid."), fields=errors)
    return result


def _custom_value(definition, raw, fail):
    """One custom value as stored, or None after `fail(message)`."""
    import re

    from ..selectors.custom_fields import plain_number

    kind = definition.kind
    Kind = CustomFieldDefinition.Kind
    if kind in (Kind.NUMBER, Kind.MONEY):
        scratch: dict = {}
        number = parse_decimal(raw, "value", scratch)
        if number is None:
            fail(scratch.get("value", [_g("Enter a number.")])[0])
            return None
        if definition.min_value is not None and number < definition.min_value:
            fail(_g("at least %(n)s.") % {"n": plain_number(definition.min_value)})
            return None
        if definition.max_value is not None and number > definition.max_value:
            fail(_g("at most %(n)s.") % {"n": plain_number(definition.max_value)})
            return None
        if kind == Kind.MONEY:
            return float(round(number, 2))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == Kind.DATE:
        scratch = {}
        date = parse_date(raw, "value", scratch)
        if date is None:
            fail(scratch.get("value", [_g("Enter a date as YYYY-MM-DD.")])[0])
            return None
        return date.isoformat()
    if kind == Kind.CHOICE:
        if str(raw) not in [str(c) for c in definition.choices]:
            fail(_g("“%(value)s” is not one of the choices.") % {"value": raw})
            return None
        return str(raw)
    if kind == Kind.MULTI_CHOICE:
        picked = raw if isinstance(raw, list | tuple) else [v.strip() for v in str(raw).split(",")]
        picked = [str(v) for v in picked if str(v)]
        offered = [str(c) for c in definition.choices]
        wrong = [v for v in picked if v not in offered]
        if wrong:
            fail(_g("“%(value)s” is not one of the choices.") % {"value": wrong[0]})
            return None
        return [v for v in offered if v in picked] or None
    if kind == Kind.PERSON:
        from django.contrib.auth import get_user_model

        if (
            not str(raw).isdigit()
            or not get_user_model().objects.filter(pk=int(raw), is_active=True).exists()
        ):
            fail(_g("choose a colleague from the list."))
            return None
        return int(raw)
    text = str(raw).strip()
    if len(text) > definition.max_length:
        fail(_g("at most %(n)d characters.") % {"n": definition.max_length})
        return None
    if definition.pattern and kind == Kind.TEXT and not re.fullmatch(definition.pattern, text):
        fail(definition.pattern_message or _g("not in the expected form."))
        return None
    return text


def display(value) -> str:
    """A value as the change history shows it."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    return str(value)
