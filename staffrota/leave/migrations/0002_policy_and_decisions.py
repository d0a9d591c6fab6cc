# Leave policy per home, blackout periods, and what each decision was based on.

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leave", "0001_initial"),
        ("organisation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="leaverequest",
            name="hours_by_day",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="leaverequest",
            name="impact",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="leaverequest",
            name="part_day",
            field=models.BooleanField(default=False, help_text="Part of one day, in hours."),
        ),
        migrations.AddField(
            model_name="leaverequest",
            name="rule_results",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="sicknessabsence",
            name="notes",
            field=models.TextField(blank=True),
        ),
        migrations.CreateModel(
            name="BlackoutPeriod",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80)),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                (
                    "care_home",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organisation.carehome",
                    ),
                ),
            ],
            options={
                "ordering": ["start_date"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("end_date__gte", models.F("start_date"))),
                        name="blackout_ends_after_start",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LeavePolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "bank_holidays",
                    models.CharField(
                        choices=[
                            ("within", "Bank holidays count within the 5.6 weeks"),
                            ("on_top", "Bank holidays are given on top of the 5.6 weeks"),
                        ],
                        default="within",
                        max_length=6,
                    ),
                ),
                (
                    "carry_over_cap_hours",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        help_text="Most unused hours carried into the next leave year.",
                        max_digits=6,
                        validators=[django.core.validators.MinValueValidator(0)],
                    ),
                ),
                (
                    "notice_days",
                    models.PositiveSmallIntegerField(
                        default=14,
                        help_text="Days' notice for annual leave, unpaid leave and time off in lieu.",
                    ),
                ),
                (
                    "same_role_cap",
                    models.PositiveSmallIntegerField(
                        default=2,
                        help_text="Most people of one role in one unit on leave on the same day.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                ("bradford_monitor", models.PositiveIntegerField(default=51)),
                ("bradford_discussion", models.PositiveIntegerField(default=101)),
                (
                    "bradford_formal",
                    models.PositiveIntegerField(
                        default=201,
                        help_text="Bradford score at which a formal (possibly disciplinary) review.",
                    ),
                ),
                (
                    "overtime_multiplier",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("1.00"),
                        help_text="Pay multiplier for overtime when costing cover.",
                        max_digits=4,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(3),
                        ],
                    ),
                ),
                (
                    "care_home",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="leave_policy",
                        to="organisation.carehome",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "leave policies",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("bradford_monitor__lt", models.F("bradford_discussion")),
                            ("bradford_discussion__lt", models.F("bradford_formal")),
                        ),
                        name="leave_policy_bradford_bands_rise",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("carry_over_cap_hours__gte", 0)),
                        name="leave_policy_carry_not_negative",
                    ),
                ],
            },
        ),
    ]
