"""The reporter's phone in the national form, indexed, for the reports list's search by phone; the carers' stored
phones re-read with the wider normalisation (0084..., a 9-digit number without its leading 0)."""

from django.db import migrations, models

BATCH = 2000


def _digits(phone: str) -> str:
    # cases.models.phone_digits as of this migration (a later change there must not rewrite history here).
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0084") and len(digits) >= 13:
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def _fill(model, source: str, target: str) -> None:
    changed = []
    for row in model.objects.exclude(**{source: ""}).only("pk", source, target).iterator(chunk_size=BATCH):
        value = _digits(getattr(row, source))
        if value != getattr(row, target):
            setattr(row, target, value)
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, [target])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [target])


def forwards(apps, schema_editor):
    _fill(apps.get_model("cases", "Report"), "reporter_phone", "reporter_phone_digits")
    _fill(apps.get_model("cases", "Carer"), "phone", "phone_digits")


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_case_links")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="reporter_phone_digits",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=30),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
