"""Opportunity stages become data: the default sales process holds today's six stages under the
keys the stage column already stores, so existing opportunities, spells, reports and API clients
keep their values; then the column becomes a foreign key to the stage's key."""

import crm.models.sales_processes
import django.db.models.deletion
from django.db import migrations, models


# (key, name, probability, required before leaving, approval, threshold): the shipped process's
# behaviour before stages were data — a contract's discount above 10 % went to the manager.
STANDARD = [
    ("potential", "Potential", 10, [], "none", None),
    ("lead", "Lead", 20, [], "none", None),
    ("confirmed", "Opportunity confirmed", 50, [], "none", None),
    ("contract", "Contract", 80, ["amount"], "discount", 10),
    ("receivables", "Receivables", 95, [], "none", None),
    ("repeat", "Repeat sale", 30, [], "none", None),
]


def create_standard_process(apps, schema_editor):
    SalesProcess = apps.get_model("crm", "SalesProcess")
    SalesStage = apps.get_model("crm", "SalesStage")
    process, _ = SalesProcess.objects.get_or_create(name="Standard sales", defaults={"is_default": True})
    for position, (key, name, probability, required, approval, threshold) in enumerate(STANDARD):
        SalesStage.objects.update_or_create(
            key=key,
            defaults={
                "process": process,
                "name": name,
                "position": position,
                "probability": probability,
                "required_fields": required,
                "approval": approval,
                "approval_threshold": threshold,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0015_merge_sales_search"),
        ("org", "0004_merge_admin_pinyin"),
    ]

    operations = [
        migrations.AlterField(
            model_name="opportunitystagespell",
            name="stage",
            field=models.CharField(max_length=40, verbose_name="stage"),
        ),
        migrations.CreateModel(
            name="SalesProcess",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("is_default", models.BooleanField(default=False, verbose_name="default")),
                ("sort_order", models.PositiveIntegerField(default=0, verbose_name="order")),
                (
                    "customer_types",
                    models.ManyToManyField(
                        blank=True,
                        help_text="New opportunities of customers of these types follow this process.",
                        limit_choices_to={"choice_list": "type"},
                        related_name="+",
                        to="crm.choiceoption",
                        verbose_name="customer types",
                    ),
                ),
                (
                    "departments",
                    models.ManyToManyField(
                        blank=True,
                        help_text="New opportunities owned by people of these departments follow this process.",
                        related_name="+",
                        to="org.department",
                        verbose_name="departments",
                    ),
                ),
            ],
            options={
                "verbose_name": "sales process",
                "verbose_name_plural": "sales processes",
                "ordering": ["-is_default", "sort_order", "name"],
                "permissions": [
                    ("manage_sales", "Can administer sales processes, levels, pools and targets")
                ],
                "default_permissions": ("view", "add", "change", "delete", "export"),
            },
        ),
        migrations.CreateModel(
            name="SalesStage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        default=crm.models.sales_processes.new_stage_key,
                        editable=False,
                        max_length=40,
                        unique=True,
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                (
                    "probability",
                    models.PositiveSmallIntegerField(default=10, verbose_name="win probability %"),
                ),
                (
                    "required_fields",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Fields of the opportunity the owner fills in before it moves on.",
                        verbose_name="required before leaving",
                    ),
                ),
                (
                    "approval",
                    models.CharField(
                        choices=[
                            ("none", "No approval"),
                            ("always", "Always, by the owner's manager"),
                            ("amount", "When the amount is above"),
                            ("discount", "When the discount % is above"),
                        ],
                        default="none",
                        max_length=10,
                        verbose_name="approval to leave",
                    ),
                ),
                (
                    "approval_threshold",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=16,
                        null=True,
                        verbose_name="approval threshold",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("won", "Won (ends the deal)"),
                            ("lost", "Lost (ends the deal)"),
                        ],
                        default="open",
                        max_length=5,
                        verbose_name="kind",
                    ),
                ),
                (
                    "process",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stages",
                        to="crm.salesprocess",
                        verbose_name="sales process",
                    ),
                ),
            ],
            options={
                "verbose_name": "sales stage",
                "verbose_name_plural": "sales stages",
                "ordering": ["process", "position", "id"],
                "default_permissions": ("view", "add", "change", "delete", "export"),
            },
        ),
        migrations.RunPython(create_standard_process, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="opportunity",
            name="stage",
            field=models.ForeignKey(
                db_column="stage",
                default=crm.models.sales_processes.default_stage_key,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="opportunities",
                to="crm.salesstage",
                to_field="key",
                verbose_name="stage",
            ),
        ),
        migrations.AddConstraint(
            model_name="salesstage",
            constraint=models.CheckConstraint(
                condition=models.Q(("probability__lte", 100)), name="crm_stage_probability"
            ),
        ),
    ]
