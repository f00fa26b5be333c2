"""Demo children and reports for the demo province (loaded by `manage.py loaddemo`, idempotent).

Names, dates and facts are invented; the communes are real. Everything goes through the services, as a user's
input would, so the audit log and the notifications look as they will in use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold

from .models import Case, Child, Report, Term, TermKind
from .services import ChildData, ReportData, case_act, child_register, report_attach_child, report_receive

A, B, C = "2026:14797", "2026:14758", "2026:14845"

CHILDREN: list[dict[str, Any]] = [
    {
        "key": "an",
        "full_name": "Nguyễn Văn An",
        "dob": "2014-05-12",
        "sex": "male",
        "unit": A,
        "eth": "01",
        "address": "Tổ dân phố 5",
        "school": "Trường THCS Hạc Thành",
        "class": "6A",
        "carer": ("Nguyễn Văn Bình", "bố", "0912 345 678"),
    },
    {
        "key": "hoa",
        "full_name": "Lê Thị Hòa",
        "dob": "2012-09-03",
        "sex": "female",
        "unit": A,
        "eth": "01",
        "address": "Tổ dân phố 2",
        "carer": ("Lê Thị Mai", "mẹ", "0987 654 321"),
        "groups": ["l"],
    },
    {
        "key": "khoi",
        "full_name": "Trần Minh Khôi",
        "year": 2016,
        "sex": "male",
        "unit": A,
        "eth": "01",
        "carer": ("Trần Văn Sơn", "bố", "0905 111 222"),
    },
    {
        "key": "bao",
        "full_name": "Trần Gia Bảo",
        "dob": "2018-08-15",
        "sex": "male",
        "unit": A,
        "eth": "01",
        "carer": ("Trần Văn Sơn", "bố", "0905 111 222"),
    },
    {
        "key": "thuy",
        "full_name": "Phạm Thị Thuỷ",
        "dob": "2011-01-21",
        "sex": "female",
        "unit": A,
        "eth": "06",
        "other": "Bé Thuỷ",
        "groups": ["d"],
    },
    {
        "key": "anh",
        "full_name": "Vũ Ngọc Ánh",
        "dob": "2013-10-10",
        "sex": "female",
        "unit": B,
        "eth": "01",
        "carer": ("Vũ Văn Thành", "bố", "0934 567 890"),
    },
    {"key": "huy", "full_name": "Đặng Quốc Huy", "year": 2012, "sex": "male", "unit": B, "eth": "01", "groups": ["h"]},
    {"key": "xuan", "full_name": "Lò Thị Xuân", "year": 2012, "sex": "female", "unit": C, "eth": "03", "groups": ["h"]},
    {"key": "sung", "full_name": "Vàng A Sùng", "dob": "2014-02-02", "sex": "male", "unit": C, "eth": "08"},
]

REPORTS: list[dict[str, Any]] = [
    {
        "by": "officer_a",
        "at": "2026-11-18 08:15",
        "channel": "phone",
        "type": "to_giac",
        "unit": A,
        "forms": ["violence"],
        "env": "family",
        "date": "2026-11-17",
        "children": ["an"],
        "injury": True,
        "carer": True,
        "reporter": ("Trần Thị Lan", "0977 000 111", "Tổ dân phố 5", "hàng xóm"),
        "perp": {"relation": "parent", "sex": "male", "approx_age": 40, "lives_with_child": True},
        "text": "Hàng xóm nghe tiếng la hét nhiều lần; cháu An đến lớp với vết bầm trên tay và mặt.",
    },
    {
        "by": "supervisor",
        "at": "2026-11-20 14:40",
        "channel": "hotline_111",
        "type": "thong_bao",
        "unit": A,
        "forms": ["sexual_molestation"],
        "env": "community",
        "date": "2026-11-19",
        "children": ["hoa"],
        "danger": True,
        "reporter": ("Tổng đài 111", "111", "", "tổng đài chuyển"),
        "perp": {"relation": "neighbour", "sex": "male", "approx_age": 55, "lives_with_child": False},
        "text": "Tổng đài 111 chuyển: một người đàn ông trong khu phố có hành vi dâm ô với cháu Hòa khi đi học về.",
    },
    {
        "by": "officer_a",
        "at": "2026-11-22 09:05",
        "channel": "in_person",
        "type": "thong_tin",
        "unit": A,
        "forms": ["neglect"],
        "env": "family",
        "children": ["khoi", "bao"],
        "anonymous": True,
        "text": "Hai anh em thường xuyên ở nhà một mình nhiều ngày, không có người chăm sóc, bỏ bữa.",
    },
    {
        "by": "officer_b",
        "at": "2026-11-19 10:30",
        "channel": "community",
        "type": "thong_bao",
        "unit": B,
        "forms": ["exploitation"],
        "env": "community",
        "children": ["huy"],
        "reporter": ("Nguyễn Văn Tâm", "0911 222 333", "", "người dân"),
        "text": "Cháu Huy bỏ học, làm thuê ở xưởng mộc từ sáng đến tối.",
    },
    {
        "by": "supervisor",
        "at": "2026-11-21 16:20",
        "channel": "school",
        "type": "thong_bao",
        "unit": C,
        "forms": ["violence"],
        "env": "school",
        "date": "2026-11-21",
        "children": ["xuan"],
        "reporter": ("Cô giáo chủ nhiệm", "0966 444 555", "Trường PTDTBT THCS Mường Lát", "giáo viên"),
        "perp": {"relation": "peer", "sex": "female", "approx_age": 14, "lives_with_child": False},
        "text": "Cháu Xuân bị một nhóm học sinh đánh hội đồng sau giờ học, có quay video đăng lên mạng.",
    },
    {
        "by": "police",
        "at": "2026-11-23 07:50",
        "channel": "police",
        "type": "to_giac",
        "unit": A,
        "forms": ["violence"],
        "env": "community",
        "date": "2026-11-22",
        "reporter": ("Công an phường Hạc Thành", "0237 3852 113", "", "cơ quan công an"),
        "text": "Công an phường nhận tố giác một trẻ khoảng 10 tuổi bị đánh tại chợ; chưa xác định được danh tính.",
    },
    {
        "by": "officer_a",
        "at": "2026-09-10 10:00",
        "channel": "school",
        "type": "thong_bao",
        "unit": A,
        "forms": ["violence"],
        "env": "school",
        "date": "2026-09-09",
        "children": ["thuy"],
        "reporter": ("Thầy Lê Văn Hùng", "0913 888 999", "Trường THCS Hạc Thành", "giáo viên chủ nhiệm"),
        "perp": {"relation": "peer", "sex": "male", "approx_age": 15, "lives_with_child": False},
        "text": "Cháu Thuỷ bị bạn cùng lớp đánh và đe doạ nhiều lần trong giờ ra chơi.",
    },
]


# How far along the procedure the demo takes each case (the rest stay at "received", some past their 12 hours).
WALKS: dict[str, str] = {
    "an": "implementing",
    "hoa": "initial_assessed",
    "bao": "plan_drafted",
    "huy": "initial_assessed",
    "thuy": "closed",
}


def _local(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text), timezone.get_default_timezone())


def demo_cases_load() -> tuple[int, int]:
    """Create the demo children and reports that are not there yet; returns (children, reports) created."""
    users = {u.username: u for u in User.objects.filter(username__in={r["by"] for r in REPORTS} | {"officer_a"})}
    ethnicities = {t.code: t for t in Term.objects.filter(kind=TermKind.ETHNICITY)}
    channels = {t.code: t for t in Term.objects.filter(kind=TermKind.CHANNEL)}
    relations = {t.code: t for t in Term.objects.filter(kind=TermKind.RELATION)}
    children: dict[str, Child] = {}
    created_children = created_reports = 0
    for row in CHILDREN:
        unit = unit_get_by_key(row["unit"])
        existing = Child.objects.filter(name_folded=fold(row["full_name"]), residence_unit=unit).first()
        if existing is None:
            carer = row.get("carer")
            creator = users["officer_a"] if row["unit"] == A else User.objects.get(username="supervisor")
            existing = child_register(
                actor=creator,
                data=ChildData(
                    full_name=row["full_name"],
                    sex=row["sex"],
                    residence_unit=unit,
                    date_of_birth=dt.date.fromisoformat(row["dob"]) if "dob" in row else None,
                    birth_year=row.get("year"),
                    birth_year_estimated="year" in row,
                    other_names=row.get("other", ""),
                    ethnicity=ethnicities[row["eth"]],
                    address=row.get("address", ""),
                    school=row.get("school", ""),
                    school_class=row.get("class", ""),
                    circumstances=row.get("groups", []),
                    carers=[{"full_name": carer[0], "relation": carer[1], "phone": carer[2]}] if carer else [],
                ),
            )
            created_children += 1
        children[row["key"]] = existing
    for row in REPORTS:
        unit = unit_get_by_key(row["unit"])
        if Report.objects.filter(incident_unit=unit, description=row["text"]).exists():
            continue
        reporter = row.get("reporter", ("", "", "", ""))
        perp = row.get("perp")
        report = report_receive(
            actor=users[row["by"]],
            data=ReportData(
                report_type=row["type"],
                channel=channels[row["channel"]],
                received_at=_local(row["at"]),
                description=row["text"],
                environment=row["env"],
                incident_unit=unit,
                forms=row["forms"],
                incident_date=dt.date.fromisoformat(row["date"]) if "date" in row else None,
                reporter_anonymous=row.get("anonymous", False),
                reporter_name=reporter[0],
                reporter_phone=reporter[1],
                reporter_address=reporter[2],
                reporter_relation=reporter[3],
                injury=row.get("injury", False),
                ongoing_danger=row.get("danger", False),
                carer_is_perpetrator=row.get("carer", False),
                perpetrators=[{**perp, "relation": relations[perp["relation"]]}] if perp else [],
            ),
        )
        attacher = users["officer_a"] if row["unit"] == A else users.get("officer_b", users["supervisor"])
        if row["unit"] == C:
            attacher = users["supervisor"]
        for key in row.get("children", []):
            report_attach_child(actor=attacher, report=report, child=children[key])
            if key in WALKS:
                _walk(report.cases.get(child=children[key]), WALKS[key], row["unit"])
        created_reports += 1
    return created_children, created_reports


# The steps the demo takes, in the order of the workflow table, with a plausible record for each.
WALK = [
    "assess_initial",
    "decide_emergency",
    "assess_specific",
    "draft_plan",
    "approve_plan",
    "review",
    "propose_closure",
    "approve_closure",
]
STOP_AFTER = {
    "initial_assessed": "assess_initial",
    "plan_drafted": "draft_plan",
    "implementing": "approve_plan",
    "closed": "approve_closure",
}
CHAIR_ACTIONS = {"decide_emergency", "approve_plan", "approve_closure"}


def _records(case: Case, closing: bool) -> dict[str, dict[str, Any]]:
    today = timezone.localdate()
    separated = case.child.full_name == "Nguyễn Văn An"
    return {
        "assess_initial": {
            "risk_level": "medium" if closing else "high",
            "in_danger_now": not closing,
            "needs_emergency": separated,
            "level": "intervention",
            "summary": "Đã gặp trẻ và gia đình; thông tin ban đầu có cơ sở.",
        },
        "decide_emergency": (
            {
                "emergency_needed": True,
                "measures": "Đưa trẻ đi khám tại Trạm Y tế phường; tạm thời cho trẻ ở với bà nội.",
                "separation": True,
                "separation_days": 10,
                "placement": "Nhà bà nội, Tổ dân phố 7, phường Hạc Thành",
                "note": "Người chăm sóc là người xâm hại.",
            }
            if separated
            else {"emergency_needed": False, "note": "Trẻ không gặp nguy hiểm tức thời."}
        ),
        "assess_specific": {
            "level": "intervention",
            "needs": "Chăm sóc y tế, hỗ trợ tâm lý, tư vấn gia đình.",
            "meeting_date": today,
            "participants": "Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế, giáo viên chủ nhiệm, Hội LHPN phường",
            "minutes": "Thống nhất các nhu cầu hỗ trợ.",
        },
        "draft_plan": {
            "goals": "Trẻ an toàn, được chăm sóc y tế và hỗ trợ tâm lý; gia đình được tư vấn.",
            "end_date": today + dt.timedelta(days=60),
            "activities": [
                {
                    "activity": "Khám và điều trị",
                    "responsible": "Trạm Y tế phường",
                    "start": today,
                    "end": today + dt.timedelta(days=7),
                    "resources": "Bảo hiểm y tế",
                },
                {
                    "activity": "Tư vấn tâm lý cho trẻ (4 buổi)",
                    "responsible": "Trung tâm CTXH tỉnh",
                    "start": today,
                    "end": today + dt.timedelta(days=30),
                    "resources": "",
                },
                {
                    "activity": "Tư vấn kỹ năng làm cha mẹ",
                    "responsible": "Hội LHPN phường",
                    "start": today,
                    "end": today + dt.timedelta(days=45),
                    "resources": "",
                },
            ],
        },
        "approve_plan": {"decision_number": f"{case.pk:02d}/QĐ-UBND", "note": ""},
        "review": {
            "harm_level": "low",
            "abuser_has_access": False,
            "care_environment": "Gia đình đã thay đổi.",
            "recovery": "Trẻ đi học đều, tâm lý ổn định.",
            "risk_remains": False,
            "child_stable": True,
            "conclusion": "Đề xuất đóng hồ sơ.",
        },
        "propose_closure": {"note": ""},
        "approve_closure": {"note": ""},
    }


def _walk(case: Case, target: str, unit_key: str) -> None:
    officer = User.objects.filter(username="officer_a" if unit_key == A else "officer_b").first()
    chair = User.objects.filter(username="chair_a", unit=case.unit).first()
    records = _records(case, closing=target == "closed")
    for action in WALK:
        actor = chair if action in CHAIR_ACTIONS else officer
        if actor is None:  # commune B has no chair in the demo: its case waits for one
            return
        case.refresh_from_db()
        case_act(actor=actor, case=case, action=action, version=case.version, data=records[action])
        if STOP_AFTER.get(target) == action:
            return
