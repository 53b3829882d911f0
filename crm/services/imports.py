"""Excel import (导入) of customers, contacts and products, and export of any list view.

Flow: `import_preview` (headers, a suggested mapping, the first rows) → `import_job_create`
(mapping checked, job stored, background task queued after commit) → `import_run` (the task):
rows are read in batches; a batch is validated as a whole and written with bulk inserts in one
transaction, so a batch with any bad row writes nothing, and the per-row/column errors go to the
job's report. Duplicates are decided per row by the job's policy (skip / update / create).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_changes, audit_record
from core.errors import ValidationFailed
from core.ranges import out_of_range
from core.xlsx import safe_row

from ..models import (
    ChoiceList,
    ChoiceOption,
    Contact,
    ContactEmployment,
    CreditLevel,
    Customer,
    CustomerChange,
    CustomerLevel,
    CustomFieldDefinition,
    ImportJob,
    Product,
)
from ..normalize import FUZZY_THRESHOLD, core_similarity, customer_keys, name_core, phone_digits
from ..xlsx import SheetLimits, check_row, column_letters, excel_date, read_rows, refuse
from .common import check_email, check_phone, clean_custom_fields, display, next_codes, require_permission
from .customers import TRACKED_FIELDS

User = get_user_model()

BATCH_SIZE = 1000
PREVIEW_ROWS = 10
MAX_REPORTED_ERRORS = 2000
HEADER_MAX_CHARS = 200
PREVIEW_CELL_CHARS = 200
FUZZY_NEIGHBOURS = 3
REASONS = ("name", "phone", "email", "tax_id")

# Sent once per committed batch (never per row): receivers index, notify, recount...
import_batch_committed = Signal()  # kwargs: job, entity, created_ids, updated_ids


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    kind: str = "text"  # text, email, phone, decimal, int, bool, date, option, level, credit, user, customer
    required: bool = False
    max_length: int = 200
    choice_list: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportTarget:
    model: type
    columns: tuple[Column, ...]
    custom_entity: str
    permission_model: type

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


TARGETS = {
    "customer": ImportTarget(
        model=Customer,
        custom_entity="customer",
        permission_model=Customer,
        columns=(
            Column(
                "name",
                _("name"),
                required=True,
                aliases=("客户名称", "名称", "公司名称", "company", "customer"),
            ),
            Column("short_name", _("short name"), max_length=100, aliases=("简称",)),
            Column("address", _("address"), max_length=300, aliases=("地址",)),
            Column("phone", _("phone"), "phone", max_length=50, aliases=("电话", "telephone", "tel")),
            Column("fax", _("fax"), "phone", max_length=50, aliases=("传真",)),
            Column("zip_code", _("zip code"), max_length=20, aliases=("邮编", "zip", "postcode")),
            Column("website", _("website"), aliases=("网址", "web")),
            Column("email", _("e-mail"), "email", max_length=254, aliases=("邮箱", "电子邮件", "email")),
            Column("legal_person", _("legal person"), max_length=100, aliases=("法人", "法人代表")),
            Column("tax_id", _("tax id"), max_length=40, aliases=("税号", "纳税人识别号")),
            Column(
                "status", _("status"), "option", choice_list=ChoiceList.STATUS, aliases=("状态", "客户状态")
            ),
            Column(
                "customer_type",
                _("type"),
                "option",
                choice_list=ChoiceList.TYPE,
                aliases=("类型", "客户类型"),
            ),
            Column(
                "source", _("source"), "option", choice_list=ChoiceList.SOURCE, aliases=("来源", "获得途径")
            ),
            Column("industry", _("industry"), "option", choice_list=ChoiceList.INDUSTRY, aliases=("行业",)),
            Column("region", _("region"), "option", choice_list=ChoiceList.REGION, aliases=("地区", "区域")),
            Column("level", _("level"), "level", aliases=("级别", "客户级别")),
            Column("credit_level", _("credit level"), "credit", aliases=("信用等级",)),
            Column("annual_revenue", _("annual revenue"), "decimal", aliases=("年营业额", "年收入")),
            Column("employee_count", _("employees"), "int", aliases=("员工数", "人数")),
            Column("owner", _("customer manager"), "user", aliases=("客户经理", "负责人", "owner")),
            Column("description", _("description"), max_length=100_000, aliases=("描述", "备注")),
        ),
    ),
    "contact": ImportTarget(
        model=Contact,
        custom_entity="contact",
        permission_model=Contact,
        columns=(
            Column(
                "customer", _("customer code"), "customer", required=True, aliases=("客户编号", "客户代码")
            ),
            Column("name", _("name"), required=True, max_length=100, aliases=("姓名", "联系人")),
            Column("department", _("department at the customer"), max_length=100, aliases=("部门",)),
            Column("title", _("job title"), max_length=100, aliases=("职务", "职位")),
            Column("role", _("role"), max_length=100, aliases=("角色",)),
            Column("phone", _("phone"), "phone", max_length=50, aliases=("电话",)),
            Column("mobile", _("mobile"), "phone", max_length=50, aliases=("手机",)),
            Column("email", _("e-mail"), "email", max_length=254, aliases=("邮箱", "email")),
            Column("birthday", _("birthday"), "date", aliases=("生日",)),
            Column("interests", _("interests"), max_length=300, aliases=("兴趣", "爱好")),
        ),
    ),
    "product": ImportTarget(
        model=Product,
        custom_entity="product",
        permission_model=Product,
        columns=(
            Column("code", _("code"), required=True, max_length=40, aliases=("产品编号", "编码")),
            Column("name", _("name"), required=True, aliases=("产品名称", "名称")),
            Column("unit", _("unit"), max_length=20, aliases=("单位",)),
            Column("spec", _("specification"), aliases=("规格", "型号")),
            Column("price", _("price"), "decimal", aliases=("价格", "单价")),
            Column("active", _("active"), "bool", aliases=("启用", "有效")),
        ),
    ),
}


# --- Reading files ---------------------------------------------------------------------------


def _open_rows(data: bytes, filename: str) -> Iterator[list]:
    """Rows of the first sheet (xlsx) or of a CSV in UTF-8 / GB18030, within the import limits
    (`SheetLimits`); a located refusal otherwise."""
    limits = SheetLimits.from_settings()
    name = (filename or "").lower()
    if name.endswith(".csv") or not data.startswith(b"PK"):
        if not name.endswith(".csv"):
            raise ValidationFailed(
                _("This is not an Excel (.xlsx) file."),
                fields={"file": [_g("Save the sheet as Excel workbook (.xlsx) or CSV and upload it again.")]},
            )
        text = None
        if b"\x00" not in data:
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
        if text is None:
            raise ValidationFailed(
                _("The CSV file's encoding cannot be read."),
                fields={"file": [_g("Save the CSV as UTF-8 (or GB18030) and upload it again.")]},
            )
        return _csv_rows(text, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(
            _("The Excel file cannot be opened."),
            fields={"file": [_g("The file is damaged or not an .xlsx workbook.")]},
        ) from exc
    return read_rows(archive, limits)


def _csv_rows(text: str, limits: SheetLimits) -> Iterator[list]:
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # The csv module's own field limit (128 KiB) is above ours: a longer field is too long.
            raise refuse(
                _g("A cell is longer than %(max)d characters, the most a cell may hold.")
                % {"max": limits.cell_chars},
                row=reader.line_num,
            ) from None
        if reader.line_num > limits.rows + 1:
            raise refuse(
                _g("The file has more than %(max)d rows; split it into several files.")
                % {"max": limits.rows + 1},
                row=reader.line_num,
            )
        yield check_row(row, limits, reader.line_num)


def _header(rows: Iterator[list]) -> list[str]:
    for row in rows:
        if any(cell not in (None, "") for cell in row):
            headers = ["" if cell is None else str(cell).strip() for cell in row]
            for index, header in enumerate(headers):
                if len(header) > HEADER_MAX_CHARS:
                    raise refuse(
                        _g("The header of column %(column)s is longer than %(max)d characters.")
                        % {"column": column_letters(index), "max": HEADER_MAX_CHARS}
                    )
            return headers
    raise ValidationFailed(_("The sheet is empty."), fields={"file": [_g("No header row found.")]})


def _norm(text: str) -> str:
    return "".join(str(text).split()).casefold()


def suggest_mapping(entity: str, headers: list[str]) -> dict[str, str]:
    """header → field, by field name, label or a known alias (Chinese or English)."""
    target = TARGETS[entity]
    lookup = {}
    for column in target.columns:
        for alias in (column.field, str(column.label), *column.aliases):
            lookup.setdefault(_norm(alias), column.field)
    for definition in CustomFieldDefinition.objects.filter(entity=target.custom_entity, active=True):
        lookup.setdefault(_norm(definition.label), f"custom.{definition.key}")
        lookup.setdefault(_norm(definition.key), f"custom.{definition.key}")
    mapping = {}
    for header in headers:
        if header and _norm(header) in lookup and lookup[_norm(header)] not in mapping.values():
            mapping[header] = lookup[_norm(header)]
    return mapping


def import_preview(*, actor, entity: str, data: bytes, filename: str) -> dict:
    """What the mapping screen shows: headers, a suggested mapping, the first rows."""
    if entity not in TARGETS:
        raise ValidationFailed(_("Unknown import target."), fields={"entity": [_g("Unknown import target.")]})
    require_permission(actor, TARGETS[entity].permission_model, "add")
    rows = _open_rows(data, filename)
    headers = _header(rows)
    sample = []
    for row in rows:
        if len(sample) >= PREVIEW_ROWS:
            break
        # A sample to recognise the columns by: long texts are cut, the import reads them whole.
        sample.append(["" if v is None else str(v)[:PREVIEW_CELL_CHARS] for v in row])
    return {
        "headers": headers,
        "suggested_mapping": suggest_mapping(entity, headers),
        "rows": sample,
        "fields": [
            {"field": c.field, "label": str(c.label), "required": c.required} for c in TARGETS[entity].columns
        ],
    }


def _check_mapping(entity: str, headers: list[str], mapping: dict[str, str]) -> None:
    target = TARGETS[entity]
    errors: dict[str, list] = {}
    custom_keys = set(
        CustomFieldDefinition.objects.filter(entity=target.custom_entity, active=True).values_list(
            "key", flat=True
        )
    )
    seen: dict[str, str] = {}
    for header, field_name in mapping.items():
        if header not in headers:
            errors.setdefault(header, []).append(
                _g("There is no column “%(header)s” in the file.") % {"header": header}
            )
        if field_name.startswith("custom."):
            if field_name[len("custom.") :] not in custom_keys:
                errors.setdefault(header, []).append(_g("Unknown custom field."))
        elif target.column(field_name) is None:
            errors.setdefault(header, []).append(_g("Unknown field “%(field)s”.") % {"field": field_name})
        if field_name in seen:
            errors.setdefault(header, []).append(
                _g("“%(field)s” is already taken by column “%(other)s”.")
                % {"field": field_name, "other": seen[field_name]}
            )
        seen[field_name] = header
    for column in target.columns:
        if column.required and column.field not in seen:
            errors.setdefault(column.field, []).append(
                _g("Map a column to the required field “%(label)s”.") % {"label": column.label}
            )
    if errors:
        raise ValidationFailed(_("The column mapping is invalid."), fields=errors)


@transaction.atomic
def import_job_create(
    *,
    actor,
    entity: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    on_duplicate: str = ImportJob.OnDuplicate.SKIP,
    run: bool = True,
) -> ImportJob:
    """Check the file and the mapping, store the job, queue the import after commit."""
    if entity not in TARGETS:
        raise ValidationFailed(_("Unknown import target."), fields={"entity": [_g("Unknown import target.")]})
    require_permission(actor, TARGETS[entity].permission_model, "add")
    require_permission(actor, ImportJob, "add")
    if on_duplicate not in ImportJob.OnDuplicate.values:
        raise ValidationFailed(
            _("Unknown duplicate policy."), fields={"on_duplicate": [_g("Choose skip, update or create.")]}
        )
    headers = _header(_open_rows(data, filename))
    mapping = mapping if mapping is not None else suggest_mapping(entity, headers)
    _check_mapping(entity, headers, mapping)
    job = ImportJob(entity=entity, mapping=mapping, on_duplicate=on_duplicate, created_by=actor)
    job.file.save(filename or f"import.{entity}.xlsx", ContentFile(data), save=False)
    job.save()
    audit_record(action="import", actor=actor, obj=job, extra={"entity": entity, "file": filename})
    if run:
        from ..tasks import run_import_task

        transaction.on_commit(lambda: run_import_task.delay(job.pk))
    return job


# --- Converting rows -------------------------------------------------------------------------


@dataclass
class Lookups:
    """Reference data loaded once per job, so converting a row never queries."""

    options: dict[tuple[str, str], ChoiceOption] = field(default_factory=dict)
    levels: dict[str, CustomerLevel] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    custom: dict[str, CustomFieldDefinition] = field(default_factory=dict)


def _load_lookups(
    target: ImportTarget, mapping: dict[str, str], rows_hint: list[list] | None = None
) -> Lookups:
    lookups = Lookups()
    used = set(mapping.values())
    if any(target.column(f) and target.column(f).kind == "option" for f in used):
        for option in ChoiceOption.objects.filter(active=True):
            lookups.options[(option.choice_list, _norm(option.code))] = option
            lookups.options.setdefault((option.choice_list, _norm(option.label)), option)
    if "level" in used and target.model is Customer:
        for level in CustomerLevel.objects.filter(active=True):
            lookups.levels[_norm(level.code)] = level
            lookups.levels.setdefault(_norm(level.name), level)
    if "owner" in used:
        for user in User.objects.filter(is_active=True).only("pk", "username", "display_name"):
            lookups.users[_norm(user.username)] = user
            if user.display_name:
                lookups.users.setdefault(_norm(user.display_name), user)
    lookups.custom = {
        d.key: d for d in CustomFieldDefinition.objects.filter(entity=target.custom_entity, active=True)
    }
    return lookups


# What an empty cell becomes, by column kind (text kinds: "").
EMPTY_VALUES = {
    "decimal": None,
    "int": None,
    "date": None,
    "option": None,
    "level": None,
    "user": None,
    "customer": None,
    "bool": True,
}


def _convert(column: Column, raw, lookups: Lookups, errors: list[str]):
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, ""):
        if column.required:
            errors.append(_g("This field is required."))
        return EMPTY_VALUES.get(column.kind, "")
    kind = column.kind
    if kind in ("text", "email", "phone", "credit"):
        text = (
            raw
            if isinstance(raw, str)
            else (str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw))
        )
        if len(text) > column.max_length:
            errors.append(_g("At most %(n)d characters.") % {"n": column.max_length})
        elif kind == "email":
            message = check_email(text)
            if message:
                errors.append(message)
        elif kind == "phone":
            message = check_phone(text)
            if message:
                errors.append(message)
        elif kind == "credit":
            text = text.upper()
            if text not in CreditLevel.values:
                errors.append(_g("Choose one of %(values)s.") % {"values": ", ".join(CreditLevel.values)})
        return text
    if kind in ("decimal", "int"):
        if isinstance(raw, bool):
            errors.append(_g("Enter a number."))
            return None
        try:
            number = (
                Decimal(str(raw).replace(",", "")) if not isinstance(raw, int | float) else Decimal(str(raw))
            )
        except ArithmeticError:
            errors.append(_g("Enter a number."))
            return None
        if not number.is_finite() or number < 0:
            errors.append(_g("Enter a number of at least 0."))
            return None
        if kind == "int":
            if number != number.to_integral_value():
                errors.append(_g("Enter a whole number."))
                return None
            return int(number)
        return number
    if kind == "date":
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw < 2_958_466:
            return excel_date(raw)
        try:
            return datetime.date.fromisoformat(str(raw)[:10].replace("/", "-"))
        except ValueError:
            errors.append(_g("Enter a date as YYYY-MM-DD."))
            return None
    if kind == "bool":
        return _norm(raw) not in ("0", "false", "no", "n", "否", "停用", "无效")
    if kind == "option":
        option = lookups.options.get((column.choice_list, _norm(raw)))
        if option is None:
            errors.append(_g("“%(value)s” is not on the list.") % {"value": raw})
        return option
    if kind == "level":
        level = lookups.levels.get(_norm(raw))
        if level is None:
            errors.append(_g("Unknown level “%(value)s”.") % {"value": raw})
        return level
    if kind == "user":
        user = lookups.users.get(_norm(raw))
        if user is None:
            errors.append(_g("Unknown user “%(value)s”.") % {"value": raw})
        return user
    if kind == "customer":
        pk = lookups.customers.get(str(raw).strip().upper())
        if pk is None:
            errors.append(_g("No customer with code “%(value)s” that you may change.") % {"value": raw})
        return pk
    return raw


# --- Duplicate index over one job ------------------------------------------------------------


class DuplicateIndex:
    """Exact keys and fuzzy name neighbourhoods of the customers an import can collide with.

    Exact keys are looked up in the database once per batch (IN lists on indexed columns).
    Fuzzy matching loads each name bucket once per job and compares a new name only with its
    nearest neighbours in sorted order, forwards and reversed (catches a typo anywhere after the
    bucket's two characters): a few comparisons per row, never all pairs.
    Rows of this job enter the index as they are accepted, under the marker -row_number.
    """

    KEYS = ("name_key", "phone_digits", "email_key", "tax_id_key")

    def __init__(self):
        self.exact: dict[str, dict[str, int]] = {key: {} for key in self.KEYS}
        self.buckets: dict[str, tuple[list, list]] = {}

    def load_exact(self, rows_keys: list[dict]) -> None:
        condition = Q()
        for key in self.KEYS:
            values = {k[key] for k in rows_keys if k[key] and k[key] not in self.exact[key]}
            if values:
                condition |= Q(**{f"{key}__in": values})
        if not condition:
            return
        for row in Customer.objects.filter(condition).values("pk", *self.KEYS).iterator(chunk_size=5000):
            for key in self.KEYS:
                if row[key]:
                    self.exact[key].setdefault(row[key], row["pk"])

    def load_buckets(self, buckets: set[str]) -> None:
        missing = {b for b in buckets if b and b not in self.buckets}
        for bucket in missing:
            self.buckets[bucket] = ([], [])
        if not missing:
            return
        rows = Customer.objects.filter(name_bucket__in=missing).values_list("pk", "name_bucket", "name_key")
        for pk, bucket, key in rows.iterator(chunk_size=5000):
            self._insort(bucket, name_core(key), pk)

    def _insort(self, bucket: str, core: str, pk: int) -> None:
        forward, backward = self.buckets.setdefault(bucket, ([], []))
        insort(forward, (core, pk))
        insort(backward, (core[::-1], pk))

    def find(self, keys: dict, core: str) -> tuple[int | None, str]:
        for key, reason in zip(self.KEYS, REASONS, strict=True):
            if keys[key] and keys[key] in self.exact[key]:
                return self.exact[key][keys[key]], reason
        entries = self.buckets.get(keys["name_bucket"])
        if entries:
            best, best_pk = 0.0, None
            for sorted_entries, probe, reverse in ((entries[0], core, False), (entries[1], core[::-1], True)):
                at = bisect_left(sorted_entries, (probe, -(2**62)))
                for candidate, pk in sorted_entries[max(0, at - FUZZY_NEIGHBOURS) : at + FUZZY_NEIGHBOURS]:
                    score = (
                        core_similarity(probe, candidate)
                        if not reverse
                        else core_similarity(core, candidate[::-1])
                    )
                    if score > best:
                        best, best_pk = score, pk
            if best >= FUZZY_THRESHOLD:
                return best_pk, "similar_name"
        return None, ""

    def add(self, keys: dict, core: str, pk: int) -> None:
        for key in self.KEYS:
            if keys[key]:
                self.exact[key].setdefault(keys[key], pk)
        if keys["name_bucket"]:
            self._insort(keys["name_bucket"], core, pk)


# --- Writing rows ---------------------------------------------------------------------------


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif not isinstance(value, str):
        return str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_rows(model, rows: list[dict]) -> list[int]:
    """Insert rows given as plain dicts (field name or attname -> Python value; a related object
    or its pk) and return their new pks in order. On PostgreSQL: COPY, with ids drawn from the
    table's sequence first and the values written straight from the dicts - no model instances,
    no per-value ORM preparation, which were most of an import's cost; fields a row leaves out
    take their default, computed once per call. Values here come from a validated import.
    Elsewhere: bulk_create."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH_SIZE)
        return [obj.pk for obj in objects]
    now = timezone.now()
    pk_field = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk_field]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = _copy_value(now)
        else:
            defaults[f.attname] = _copy_value(f.get_default())
    relations = {f.name: f.attname for f in fields if f.is_relation}
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk_field.column, len(rows)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        lines = []
        for pk, row in zip(pks, rows, strict=True):
            given = dict(defaults)
            for key, value in row.items():
                if key in relations:
                    key, value = relations[key], getattr(value, "pk", value)
                given[key] = _copy_value(value)
            lines.append("\t".join([str(pk), *(given[f.attname] for f in fields)]))
        buffer = io.StringIO("\n".join(lines) + "\n")
        columns = ", ".join(connection.ops.quote_name(f.column) for f in (pk_field, *fields))
        cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN", buffer)
    return pks


def level_process_name() -> str:
    """The level-change process's name as designers deployed it (its key when not deployed)."""
    from engine.selectors.definitions import active_name

    key = Customer.PROCESS_OWNED_FIELDS["level"]
    return active_name(key) or key


# --- Running a job ---------------------------------------------------------------------------


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)


class _BatchFailed(Exception):
    pass


def _row_values(row: list, positions: dict[int, str]) -> dict[str, object]:
    return {f: (row[i] if i < len(row) else None) for i, f in positions.items()}


class Importer:
    def __init__(self, *, job: ImportJob, actor, headers: list[str]):
        self.job = job
        self.actor = actor
        self.target = TARGETS[job.entity]
        self.headers = headers
        self.positions = {headers.index(h): f for h, f in job.mapping.items()}
        self.header_of = {f: h for h, f in job.mapping.items()}
        self.columns = {f: self.target.column(f) for f in job.mapping.values() if not f.startswith("custom.")}
        self.lookups = _load_lookups(self.target, job.mapping)
        self.duplicates = DuplicateIndex()
        self.row_pk: dict[int, int] = {}
        self.now = timezone.now()

    def _convert_row(self, number: int, row: list, result: BatchResult) -> dict | None:
        values = _row_values(row, self.positions)
        cleaned: dict = {}
        custom_raw: dict = {}
        failed = False
        for field_name, raw in values.items():
            if field_name.startswith("custom."):
                custom_raw[field_name[len("custom.") :]] = raw
                continue
            column = self.columns[field_name]
            errors: list[str] = []
            cleaned[field_name] = _convert(column, raw, self.lookups, errors)
            if column.kind in ("decimal", "int") and not errors:
                problem = out_of_range(self.target.model._meta.get_field(field_name), cleaned[field_name])
                if problem:
                    errors.append(problem)
            for message in errors:
                failed = True
                result.errors.append(
                    {
                        "row": number,
                        "column": self.header_of[field_name],
                        "field": field_name,
                        "message": message,
                    }
                )
        if custom_raw or self.lookups.custom:
            try:
                cleaned["custom"] = clean_custom_fields(
                    self.target.custom_entity,
                    {
                        k: (v.isoformat() if isinstance(v, datetime.date) else v)
                        for k, v in custom_raw.items()
                        if v not in (None, "")
                    },
                    definitions=self.lookups.custom,
                )
            except ValidationFailed as exc:
                failed = True
                for key, messages in exc.fields.items():
                    for message in messages:
                        result.errors.append(
                            {
                                "row": number,
                                "column": self.header_of.get(key, key),
                                "field": key,
                                "message": str(message),
                            }
                        )
        return None if failed else cleaned

    def run_batch(self, numbered_rows: list[tuple[int, list]]) -> BatchResult:
        result = BatchResult()
        converted = []
        if self.job.entity == "contact":
            self._load_customer_codes(numbered_rows)
        for number, row in numbered_rows:
            cleaned = self._convert_row(number, row, result)
            if cleaned is not None:
                converted.append((number, cleaned))
        if result.errors:
            return result  # the whole batch is refused; nothing written
        try:
            with transaction.atomic():
                getattr(self, f"_write_{self.job.entity}")(converted, result)
                if result.errors:
                    raise _BatchFailed
        except _BatchFailed:
            return BatchResult(errors=result.errors)
        return result

    def _load_customer_codes(self, numbered_rows) -> None:
        position = next(i for i, f in self.positions.items() if f == "customer")
        codes = {
            str(row[position]).strip().upper()
            for _n, row in numbered_rows
            if position < len(row) and row[position]
        }
        codes -= set(self.lookups.customers)
        if codes:
            visible = Customer.objects.visible_to(self.actor, "change").filter(code__in=codes)
            self.lookups.customers.update(dict(visible.values_list("code", "pk")))

    # -- customers --

    def _write_customer(self, converted: list[tuple[int, dict]], result: BatchResult) -> None:
        policy = self.job.on_duplicate
        checking = policy != ImportJob.OnDuplicate.CREATE
        rows_keys = [
            customer_keys(
                name=data["name"],
                phone=data.get("phone", ""),
                email=data.get("email", ""),
                tax_id=data.get("tax_id", ""),
            )
            for _number, data in converted
        ]
        if checking:
            self.duplicates.load_exact(rows_keys)
            self.duplicates.load_buckets({k["name_bucket"] for k in rows_keys})
        new: list[tuple[int, dict]] = []
        updates: dict[int, dict] = {}
        update_rows: dict[int, int] = {}
        for (number, data), keys in zip(converted, rows_keys, strict=True):
            core = name_core(keys["name_key"])
            if checking:
                match, reason = self.duplicates.find(keys, core)
                if match is not None and match < 0:
                    # A row of this file: committed in an earlier batch (has a pk) or not yet.
                    match = self.row_pk.get(-match, match)
                if match is not None:
                    if match < 0:
                        result.duplicates.append(
                            {"row": number, "duplicate_of_row": -match, "reason": reason}
                        )
                        result.skipped += 1  # the first row of the file wins
                    else:
                        result.duplicates.append({"row": number, "duplicate_of": match, "reason": reason})
                        if policy == ImportJob.OnDuplicate.SKIP or match in updates:
                            result.skipped += 1  # one update per existing card: the first row wins
                        else:
                            updates[match] = data
                            update_rows[match] = number
                    continue
                self.duplicates.add(keys, core, -number)
            data.setdefault("custom", {})
            data["owner"] = data.get("owner") or self.actor
            new.append((number, {**data, **keys, "owned_since": self.now, "created_by": self.actor}))
        created_ids: list[int] = []
        if new:
            codes = next_codes("customer", "C", len(new))
            for (_number, row), code in zip(new, codes, strict=True):
                row["code"] = code
            created_ids = insert_rows(Customer, [row for _n, row in new])
            self.row_pk.update({number: pk for (number, _row), pk in zip(new, created_ids, strict=True)})
            result.created += len(new)
        if updates:
            self._update_customers(updates, update_rows, result)
            result.updated += len(updates)
        import_batch_committed.send(
            sender=ImportJob,
            job=self.job,
            entity="customer",
            created_ids=created_ids,
            updated_ids=list(updates),
        )

    def _update_customers(self, updates: dict[int, dict], rows: dict[int, int], result: BatchResult) -> None:
        """Fill in the existing cards from the sheet: non-empty cells win; keys recomputed. Each
        changed card gets its history rows and one audit row with the diff, as an edit on the card
        would. A level the sheet would change is refused on its row: the level moves only through
        the level-change process."""
        customers = Customer.objects.select_for_update().in_bulk(list(updates))
        touched: set[str] = set()
        history: list[CustomerChange] = []
        audited: list[tuple[Customer, dict]] = []
        for pk, data in updates.items():
            customer = customers[pk]
            custom = data.pop("custom", {})
            data.pop("owner", None)  # ownership changes through a transfer, not an import
            level = data.pop("level", None)
            if level is not None and level.pk != customer.level_id:
                result.errors.append(
                    {
                        "row": rows[pk],
                        "column": self.header_of["level"],
                        "field": "level",
                        "message": _g(
                            "%(customer)s has the level %(old)s; a level changes only through the process "
                            "“%(process)s” (request a level change on the card)."
                        )
                        % {
                            "customer": customer,
                            "old": customer.level or "—",
                            "process": level_process_name(),
                        },
                    }
                )
                continue
            changes = {}
            for key, value in data.items():
                if value not in (None, "") and getattr(customer, key) != value:
                    changes[key] = [display(getattr(customer, key)), display(value)]
                    setattr(customer, key, value)
                    touched.add(key)
            if custom and {**customer.custom, **custom} != customer.custom:
                changes["custom"] = [customer.custom, {**customer.custom, **custom}]
                customer.custom = {**customer.custom, **custom}
                touched.add("custom")
            if not changes:
                continue
            for attr, value in customer_keys(
                name=customer.name, phone=customer.phone, email=customer.email, tax_id=customer.tax_id
            ).items():
                setattr(customer, attr, value)
            history += [
                CustomerChange(
                    customer=customer, field=key, old_value=old, new_value=new, changed_by=self.actor
                )
                for key, (old, new) in changes.items()
                if key in TRACKED_FIELDS
            ]
            audited.append((customer, changes))
        if result.errors or not touched:
            return
        fields = sorted(touched | set(customer_keys(name="x")) | {"updated_at"})
        changed = [customer for customer, _changes in audited]
        for customer in changed:
            customer.updated_at = self.now
        Customer.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
        CustomerChange.objects.bulk_create(history, batch_size=BATCH_SIZE)
        audit_changes(actor=self.actor, changes=audited, extra={"import_job": self.job.pk})

    # -- contacts --

    def _write_contact(self, converted: list[tuple[int, dict]], result: BatchResult) -> None:
        """A contact is a duplicate of one at the same customer with the same name, phone or e-mail."""
        policy = self.job.on_duplicate
        known: dict[tuple, int] = {}
        if policy != ImportJob.OnDuplicate.CREATE:
            customer_ids = {data["customer"] for _n, data in converted}
            for pk, customer_id, name, digits, email in Contact.objects.filter(
                customer_id__in=customer_ids
            ).values_list("pk", "customer_id", "name", "phone_digits", "email"):
                for key in (("name", name), ("phone", digits), ("email", email.casefold())):
                    if key[1]:
                        known.setdefault((customer_id, *key), pk)
        contacts, updates = [], {}
        for number, data in converted:
            digits = phone_digits(data.get("mobile") or data.get("phone") or "")
            keys = [
                ("name", data["name"]),
                ("phone", digits),
                ("email", (data.get("email") or "").casefold()),
            ]
            if policy != ImportJob.OnDuplicate.CREATE:
                match = next(
                    (known[(data["customer"], *k)] for k in keys if k[1] and (data["customer"], *k) in known),
                    None,
                )
                if match is not None:
                    result.duplicates.append({"row": number, "duplicate_of": match, "reason": "contact"})
                    if policy == ImportJob.OnDuplicate.UPDATE and match > 0 and match not in updates:
                        updates[match] = data
                    else:
                        result.skipped += 1
                    continue
                for key in keys:
                    if key[1]:
                        known[(data["customer"], *key)] = -number
            custom = data.pop("custom", {})
            customer_id = data.pop("customer")
            contacts.append(
                Contact(
                    customer_id=customer_id, custom=custom, created_by=self.actor, phone_digits=digits, **data
                )
            )
        if updates:
            existing = Contact.objects.select_for_update().in_bulk(list(updates))
            fields: set[str] = set()
            audited: list[tuple[Contact, dict]] = []
            for pk, data in updates.items():
                contact = existing[pk]
                data.pop("custom", None)
                data.pop("customer", None)
                changes = {}
                for key, value in data.items():
                    if value not in (None, "") and getattr(contact, key) != value:
                        changes[key] = [display(getattr(contact, key)), display(value)]
                        setattr(contact, key, value)
                        fields.add(key)
                contact.phone_digits = phone_digits(contact.mobile or contact.phone)
                if changes:
                    audited.append((contact, changes))
            if audited:
                Contact.objects.bulk_update([c for c, _ch in audited], sorted(fields | {"phone_digits"}))
                audit_changes(actor=self.actor, changes=audited, extra={"import_job": self.job.pk})
            result.updated += len(updates)
        Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
        ContactEmployment.objects.bulk_create(
            [
                ContactEmployment(
                    contact=c,
                    customer_id=c.customer_id,
                    department=c.department,
                    title=c.title,
                    started_on=self.now.date(),
                )
                for c in contacts
            ]
        )
        result.created += len(contacts)
        import_batch_committed.send(
            sender=ImportJob,
            job=self.job,
            entity="contact",
            created_ids=[c.pk for c in contacts],
            updated_ids=[],
        )

    # -- products --

    def _write_product(self, converted: list[tuple[int, dict]], result: BatchResult) -> None:
        codes = [data["code"] for _n, data in converted]
        existing = dict(Product.objects.filter(code__in=codes).values_list("code", "pk"))
        seen: set[str] = set()
        new, updates = [], []
        for number, data in converted:
            code = data["code"]
            data["unit"] = data.get("unit") or "pcs"
            if data.get("price") is None:
                data.pop("price", None)
            if code in seen:
                result.errors.append(
                    {
                        "row": number,
                        "column": self.header_of["code"],
                        "field": "code",
                        "message": _g("The code appears twice in the file."),
                    }
                )
                continue
            seen.add(code)
            if code in existing:
                result.duplicates.append({"row": number, "duplicate_of": existing[code], "reason": "code"})
                if self.job.on_duplicate == ImportJob.OnDuplicate.UPDATE:
                    updates.append((existing[code], data))
                else:
                    result.skipped += 1  # codes are unique: "create anyway" cannot apply
                continue
            custom = data.pop("custom", {})
            new.append(Product(custom=custom, created_by=self.actor, **data))
        Product.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if updates:
            products = Product.objects.select_for_update().in_bulk([pk for pk, _d in updates])
            audited: list[tuple[Product, dict]] = []
            for pk, data in updates:
                data.pop("custom", None)
                changes = {}
                for key, value in data.items():
                    if getattr(products[pk], key) != value:
                        changes[key] = [display(getattr(products[pk], key)), display(value)]
                        setattr(products[pk], key, value)
                if changes:
                    audited.append((products[pk], changes))
            Product.objects.bulk_update(list(products.values()), ["name", "unit", "spec", "price", "active"])
            audit_changes(actor=self.actor, changes=audited, extra={"import_job": self.job.pk})
        result.created += len(new)
        result.updated += len(updates)


def import_run(*, job_id: int) -> ImportJob:
    """Run an import job (the Celery task). Progress and errors are saved after every batch."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.PENDING,):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    try:
        job.file.open("rb")
        data = job.file.read()
        job.file.close()
        rows = _open_rows(data, job.file.name)
        headers = _header(rows)
        importer = Importer(job=job, actor=job.created_by, headers=headers)
        all_rows = [r for r in rows if any(v not in (None, "") for v in r)]
        job.total_rows = len(all_rows)
        job.save(update_fields=["total_rows"])
        errors: list[dict] = []
        duplicates = 0
        for start in range(0, len(all_rows), BATCH_SIZE):
            batch = [
                (start + offset + 2, row) for offset, row in enumerate(all_rows[start : start + BATCH_SIZE])
            ]
            result = importer.run_batch(batch)
            if result.errors:
                job.failed_batches += 1
                errors.extend(result.errors[: max(0, MAX_REPORTED_ERRORS - len(errors))])
            else:
                job.created_count += result.created
                job.updated_count += result.updated
                job.skipped_count += result.skipped
                duplicates += len(result.duplicates)
            job.processed_rows = min(start + BATCH_SIZE, len(all_rows))
            job.errors = errors
            job.save(
                update_fields=[
                    "processed_rows",
                    "created_count",
                    "updated_count",
                    "skipped_count",
                    "failed_batches",
                    "errors",
                ]
            )
        job.status = ImportJob.Status.DONE if not job.failed_batches else ImportJob.Status.FAILED
        job.message = _g(
            "%(created)d created, %(updated)d updated, %(skipped)d duplicates skipped, "
            "%(failed)d batches refused."
        ) % {
            "created": job.created_count,
            "updated": job.updated_count,
            "skipped": job.skipped_count,
            "failed": job.failed_batches,
        }
    except ValidationFailed as exc:
        job.status = ImportJob.Status.FAILED
        job.message = str(exc.message)
        job.errors = [
            {"row": None, "column": key, "field": key, "message": str(m)}
            for key, ms in exc.fields.items()
            for m in ms
        ]
    job.finished_at = timezone.now()
    job.save()
    audit_record(
        action="import",
        actor=job.created_by,
        obj=job,
        extra={
            "created": job.created_count,
            "updated": job.updated_count,
            "skipped": job.skipped_count,
            "status": job.status,
        },
    )
    return job


def import_error_report(*, job: ImportJob) -> bytes:
    """The downloadable report: one line per problem, with row number and column."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Errors")))
    sheet.append([str(_("row")), str(_("column")), str(_("problem"))])
    for error in job.errors:
        sheet.append(safe_row(sheet, [error.get("row"), error.get("column"), error.get("message")]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Export ----------------------------------------------------------------------------------

EXPORT_MAX_ROWS = 200_000


def list_export(*, actor, entity: str, params: dict | None = None) -> bytes:
    """Any list view as an .xlsx; needs the export permission, sees what the list sees."""
    from openpyxl import Workbook

    from ..selectors.lists import LISTS, list_queryset

    if entity not in LISTS:
        raise ValidationFailed(_("Unknown list."), fields={"entity": [_g("Unknown list.")]})
    spec = LISTS[entity]
    require_permission(actor, spec.model, "export")
    qs = list_queryset(user=actor, entity=entity, params=params, action="export").select_related(
        *spec.select_related
    )
    # the custom fields the exporting person sees, after the list's own columns
    from ..selectors.custom_fields import custom_fields_for, custom_value_display, people_labels

    custom = custom_fields_for(actor, spec.custom_entity) if spec.custom_entity else []
    people = people_labels(
        value
        for d in custom
        if d.kind == "person"
        for value in qs.order_by().values_list(f"custom__{d.key}", flat=True)[:EXPORT_MAX_ROWS]
        if value is not None
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(spec.model._meta.verbose_name_plural)[:31])
    sheet.append([str(header) for _path, header in spec.columns] + [d.label for d in custom])
    count = 0
    for obj in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        row = []
        for path, _header in spec.columns:
            value = getattr(obj, path)
            if hasattr(obj, f"get_{path}_display"):
                value = getattr(obj, f"get_{path}_display")()
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value).replace(tzinfo=None)
            elif value is not None and not isinstance(
                value, str | int | float | Decimal | datetime.date | bool
            ):
                value = str(value)
            row.append(value)
        for definition in custom:
            value = (obj.custom or {}).get(definition.key)
            row.append(
                value if isinstance(value, int | float) else custom_value_display(definition, value, people)
            )
        sheet.append(safe_row(sheet, row))
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit_record(
        action="export", actor=actor, extra={"entity": entity, "rows": count, "params": params or {}}
    )
    return buffer.getvalue()
