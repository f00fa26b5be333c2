"""The move of Agency from referrals to agencies keeps every row and every reference to it (agencies 0001,
accounts 0002, referrals 0004): the database is taken back to before the move, given an agency, a partner, a
referral, an audit entry, an admin log entry and an object permission, then migrated forward again."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("agencies", None), ("accounts", "0001_initial"), ("referrals", "0003_seed_rules_and_outcomes")]


def migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    state = executor.migrate(targets)
    ContentType.objects.clear_cache()
    return state.apps


def leaves() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# Schema changes cannot be rolled back with a test transaction; the seeded rows are restored afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_agency_moves_with_its_rows_foreign_keys_content_type_and_permissions(officer_a, commune_a, case):
    head = leaves()
    try:
        old = migrate(BEFORE)
        Agency = old.get_model("referrals", "Agency")
        User = old.get_model("accounts", "User")
        Referral = old.get_model("referrals", "Referral")
        OldContentType = old.get_model("contenttypes", "ContentType")
        Permission = old.get_model("auth", "Permission")
        LogEntry = old.get_model("admin", "LogEntry")
        AuditEntry = old.get_model("audit", "AuditEntry")
        UserObjectPermission = old.get_model("guardian", "UserObjectPermission")

        agency = Agency.objects.create(
            name="Công an phường Hạc Thành",
            name_folded="cong an phuong hac thanh",
            agency_type="police",
            unit_id=commune_a.pk,
        )
        partner = User.objects.create(username="partner_moved", role="partner", unit_id=commune_a.pk, agency=agency)
        referral = Referral.objects.create(
            case_id=case.pk,
            agency=agency,
            services_requested="Xác minh",
            child_consent="not_applicable",
            carer_consent="given",
            created_by_id=officer_a.pk,
            created_at=timezone.now(),
        )
        old_type, _ = OldContentType.objects.get_or_create(app_label="referrals", model="agency")
        view, _ = Permission.objects.get_or_create(
            content_type=old_type, codename="view_agency", defaults={"name": "Can view cơ quan phối hợp"}
        )
        AuditEntry.objects.create(
            at=timezone.now(),
            actor_id=officer_a.pk,
            actor_repr="officer_a",
            action="agency.update",
            object_type=old_type,
            object_id=str(agency.pk),
            object_repr=agency.name,
        )
        LogEntry.objects.create(
            action_time=timezone.now(),
            user_id=officer_a.pk,
            content_type=old_type,
            object_id=str(agency.pk),
            object_repr=agency.name,
            action_flag=2,
            change_message="[]",
        )
        UserObjectPermission.objects.create(
            user_id=partner.pk, permission=view, content_type=old_type, object_pk=str(agency.pk)
        )

        new = migrate(head)
        Agency = new.get_model("agencies", "Agency")
        moved = Agency.objects.get(pk=agency.pk)
        assert moved.name == "Công an phường Hạc Thành" and moved.unit_id == commune_a.pk
        assert Agency._meta.db_table == "agencies_agency"
        assert new.get_model("accounts", "User").objects.get(pk=partner.pk).agency == moved
        assert new.get_model("referrals", "Referral").objects.get(pk=referral.pk).agency == moved
        assert [m._meta.label for m in new.get_models() if m._meta.model_name == "agency"] == ["agencies.Agency"]

        new_type = ContentType.objects.get(pk=old_type.pk)
        assert (new_type.app_label, new_type.model) == ("agencies", "agency")
        assert not ContentType.objects.filter(app_label="referrals", model="agency").exists()
        assert new.get_model("auth", "Permission").objects.get(pk=view.pk).content_type_id == new_type.pk
        assert new.get_model("audit", "AuditEntry").objects.filter(object_type_id=new_type.pk).count() == 1
        assert new.get_model("admin", "LogEntry").objects.filter(content_type_id=new_type.pk).count() == 1

        # The live models see the same: the content type, the object permission, the foreign keys.
        from guardian.shortcuts import get_perms

        from childprotect.accounts.models import User as LiveUser
        from childprotect.agencies.models import Agency as LiveAgency

        live = LiveAgency.objects.get(pk=agency.pk)
        assert ContentType.objects.get_for_model(LiveAgency).pk == old_type.pk
        assert get_perms(LiveUser.objects.get(pk=partner.pk), live) == ["view_agency"]
        assert list(live.members.values_list("username", flat=True)) == ["partner_moved"]
        assert list(live.referrals.values_list("pk", flat=True)) == [referral.pk]
    finally:
        migrate(head)
