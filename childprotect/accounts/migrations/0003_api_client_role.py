"""API clients act through an account of their own role (api/models.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_agency_from_agencies"),
        ("agencies", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("places", "0002_unit_succession"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="user",
            name="user_role_needs_unit_or_agency",
        ),
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("commune_officer", "Cán bộ phụ trách bảo vệ trẻ em cấp xã"),
                    ("commune_chair", "Chủ tịch / Phó Chủ tịch UBND xã"),
                    ("supervisor", "Cán bộ giám sát (cấp huyện / tỉnh)"),
                    ("partner", "Cán bộ cơ quan phối hợp"),
                    ("admin", "Quản trị hệ thống"),
                    ("api_client", "Hệ thống đối tác (API)"),
                ],
                max_length=20,
                verbose_name="vai trò",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("role__in", ["admin", "api_client"]),
                    models.Q(("agency__isnull", False), ("role", "partner")),
                    models.Q(("role__in", ["commune_officer", "commune_chair", "supervisor"]), ("unit__isnull", False)),
                    _connector="OR",
                ),
                name="user_role_needs_unit_or_agency",
            ),
        ),
    ]
