"""Agency moved to the agencies app (its table and rows with it: see agencies 0001). State only: the referral's
foreign key points to agencies.Agency, and referrals.Agency leaves this app's state."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_seed_rules_and_outcomes"),
        ("agencies", "0001_initial"),
        # accounts.User.agency must point to agencies.Agency before referrals.Agency leaves the state.
        ("accounts", "0002_user_agency_from_agencies"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="referral",
                    name="agency",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="agencies.agency",
                        verbose_name="cơ quan nhận",
                    ),
                ),
                migrations.DeleteModel(name="Agency"),
            ],
            database_operations=[],
        ),
    ]
