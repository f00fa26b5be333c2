"""The Agency model moves here from the referrals app, its rows untouched.

The table was created by referrals (referrals/migrations/0001_initial.py): the model is added to this app's state
only, then its table is renamed referrals_agency -> agencies_agency (the foreign keys of accounts_user and
referrals_referral follow the table). accounts 0002 and referrals 0004 then point their foreign keys here in their
state and drop referrals.Agency from it. The content type row (with the permissions, admin log entries, audit
entries and object permissions that refer to it) is renamed referrals.agency -> agencies.agency; on a fresh database
there is none yet (content types are made after migrating) and nothing is renamed.
"""

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, schema_editor, source, target):
    from django.contrib.contenttypes.models import ContentType as LiveContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    # If the target row exists already (content types made with the new code before this ran), the old one is left
    # as it is: `remove_stale_contenttypes` tells what refers to it.
    if not types.filter(app_label=target, model="agency").exists():
        types.filter(app_label=source, model="agency").update(app_label=target)
    LiveContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "referrals", "agencies")


def backwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "agencies", "referrals")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("places", "0001_initial"),
        # The table exists, with every change the referrals app made to it.
        ("referrals", "0003_seed_rules_and_outcomes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Agency",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="tên cơ quan")),
                        ("name_folded", models.CharField(editable=False, max_length=200)),
                        (
                            "agency_type",
                            models.CharField(
                                choices=[
                                    ("police", "Công an"),
                                    ("health", "Y tế"),
                                    ("education", "Giáo dục"),
                                    ("justice", "Tư pháp, trợ giúp pháp lý"),
                                    ("social_work", "Công tác xã hội, cơ sở trợ giúp xã hội"),
                                    ("court", "Toà án"),
                                    ("procuracy", "Viện kiểm sát"),
                                    ("mass_org", "Hội LHPN, Đoàn TN"),
                                    ("other", "Khác"),
                                ],
                                max_length=20,
                                verbose_name="loại",
                            ),
                        ),
                        ("address", models.CharField(blank=True, max_length=255, verbose_name="địa chỉ")),
                        ("phone", models.CharField(blank=True, max_length=30, verbose_name="điện thoại")),
                        ("email", models.EmailField(blank=True, max_length=254, verbose_name="thư điện tử")),
                        ("is_active", models.BooleanField(default=True, verbose_name="đang hoạt động")),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agencies",
                                to="places.adminunit",
                                verbose_name="địa bàn phục vụ",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "cơ quan phối hợp",
                        "verbose_name_plural": "cơ quan phối hợp",
                        "ordering": ["name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("unit", "name"), name="agency_unique_name_in_unit")
                        ],
                        "db_table": "referrals_agency",
                    },
                ),
            ],
            database_operations=[],
        ),
        # The table takes this app's name (state and database).
        migrations.AlterModelTable(name="agency", table=None),
        migrations.RunPython(forwards, backwards),
    ]
