"""Demo data of the administered data model and service settings (issue #24, items 4-5): who
administers them, a few custom fields shown and filterable in the lists, and the company calendar
(09:00-18:00 on weekdays). Idempotent."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, Permission

from org.models import User

from .models import CalendarDay, CustomFieldDefinition, WorkingHours


def seed_data_model(stdout) -> None:
    data_model = Permission.objects.get(codename="manage_data_model", content_type__app_label="crm")
    service_settings = Permission.objects.get(
        codename="manage_service_settings", content_type__app_label="crm"
    )
    # IT administers the data model (lin.feng); the service manager the SLA policies (huang.qiang)
    for group in Group.objects.filter(name="it_admins"):
        group.permissions.add(data_model)
    for user in User.objects.filter(username="huang.qiang"):
        user.user_permissions.add(service_settings)

    CustomFieldDefinition.objects.filter(entity="customer", key="plant_area").update(
        show_in_list=True, filterable=True, min_value=0, help_text="按营业执照或现场勘察"
    )
    CustomFieldDefinition.objects.filter(entity="customer", key="purchase_cycle").update(filterable=True)
    for entity, key, values in (
        (
            "complaint",
            "batch_no",
            {
                "label": "产品批次号",
                "kind": "text",
                "pattern": r"[A-Z]{2}\d{6}",
                "pattern_message": "批次号为两个大写字母加六位数字，如 BW202611",
                "show_in_list": True,
                "filterable": True,
                "sort_order": 10,
            },
        ),
        (
            "opportunity",
            "decision_maker",
            {"label": "关键决策人", "kind": "person", "show_in_list": False, "sort_order": 10},
        ),
    ):
        CustomFieldDefinition.objects.get_or_create(entity=entity, key=key, defaults=values)

    from .services.custom_fields import custom_field_index_sync

    for definition in CustomFieldDefinition.objects.filter(filterable=True, active=True):
        custom_field_index_sync(definition=definition)
    if not WorkingHours.objects.exists():
        for weekday in range(5):
            WorkingHours.objects.create(weekday=weekday, start=datetime.time(9), end=datetime.time(18))
    CalendarDay.objects.get_or_create(day=datetime.date(2027, 1, 1), defaults={"name": "元旦"})
    stdout.write("Data model demo: custom fields, calendar and administrators set.")
