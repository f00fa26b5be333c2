"""Demo children and reports for the demo province (loaded by `manage.py loaddemo`, idempotent).

Names, dates and facts are invented; the communes are real. Everything goes through the services, as a user's
input would, so the audit log and the notifications look as they will in use. Dates are relative to the day the demo
is loaded, never fixed: three reports (Nguyễn Văn An's and Phạm Thị Thuỷ's in commune A, Đặng Quốc Huy's in commune B)
fall inside the latest period whose periodic report may be sent that day, so its figures have cases behind them; the
others came in during the last two weeks. Each step is written at the moment it was taken (demo_clock).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from cases.models import Case, Child, Report, Term, TermKind
from cases.services import ChildData, ReportData, case_act, child_register, report_attach_child, report_receive
from childprotect.accounts.models import User
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold
from reporting.periods import latest_sendable_period

A, B, C = "2026:14797", "2026:14758", "2026:14845"

# Ages are on the day the demo is loaded ("born": age and birthday; "age": birth year only, estimated).
CHILDREN: list[dict[str, Any]] = [
    {
        "key": "an",
        "full_name": "Nguyễn Văn An",
        "born": (12, "05-12"),
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
        "born": (14, "09-03"),
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
        "age": 10,
        "sex": "male",
        "unit": A,
        "eth": "01",
        "carer": ("Trần Văn Sơn", "bố", "0905 111 222"),
    },
    {
        "key": "bao",
        "full_name": "Trần Gia Bảo",
        "born": (8, "08-15"),
        "sex": "male",
        "unit": A,
        "eth": "01",
        "carer": ("Trần Văn Sơn", "bố", "0905 111 222"),
    },
    {
        "key": "thuy",
        "full_name": "Phạm Thị Thuỷ",
        "born": (15, "01-21"),
        "sex": "female",
        "unit": A,
        "eth": "06",
        "other": "Bé Thuỷ",
        "groups": ["d"],
    },
    {
        "key": "anh",
        "full_name": "Vũ Ngọc Ánh",
        "born": (13, "10-10"),
        "sex": "female",
        "unit": B,
        "eth": "01",
        "carer": ("Vũ Văn Thành", "bố", "0934 567 890"),
    },
    {"key": "huy", "full_name": "Đặng Quốc Huy", "age": 14, "sex": "male", "unit": B, "eth": "01", "groups": ["h"]},
    {"key": "xuan", "full_name": "Lò Thị Xuân", "age": 14, "sex": "female", "unit": C, "eth": "03", "groups": ["h"]},
    {"key": "sung", "full_name": "Vàng A Sùng", "born": (12, "02-02"), "sex": "male", "unit": C, "eth": "08"},
]

REPORTS: list[dict[str, Any]] = [
    {
        "by": "officer_a",
        "when": ("period", 30, "08:15"),
        "channel": "phone",
        "type": "to_giac",
        "unit": A,
        "forms": ["violence"],
        "env": "family",
        "days_before": 1,
        "children": ["an"],
        "injury": True,
        "carer": True,
        "reporter": ("Trần Thị Lan", "0977 000 111", "Tổ dân phố 5", "hàng xóm"),
        "perp": {"relation": "parent", "sex": "male", "approx_age": 40, "lives_with_child": True},
        "text": "Hàng xóm nghe tiếng la hét nhiều lần; cháu An đến lớp với vết bầm trên tay và mặt.",
        "situation": {
            "child_condition": "Có vết bầm trên tay và mặt; sợ hãi, ít nói ở lớp.",
            "likely_consequences": "Tiếp tục bị đánh, tổn thương nặng hơn về thể chất và tinh thần.",
            "father_name": "Nguyễn Văn Bình",
            "father_age": 40,
            "father_occupation": "Thợ xây",
            "family_situation": "Bố thường uống rượu; mẹ làm công nhân ở tỉnh khác, về nhà cuối tháng.",
            "current_carer": "Bố (Nguyễn Văn Bình)",
            "prior_actions": "Giáo viên chủ nhiệm đã gặp gia đình nhắc nhở một lần.",
        },
    },
    {
        "by": "supervisor",
        "when": ("ago", 13, "14:40"),
        "channel": "hotline_111",
        "type": "thong_bao",
        "unit": A,
        "forms": ["sexual_molestation"],
        "env": "community",
        "days_before": 1,
        "children": ["hoa"],
        "danger": True,
        "reporter": ("Tổng đài 111", "111", "", "tổng đài chuyển"),
        "perp": {"relation": "neighbour", "sex": "male", "approx_age": 55, "lives_with_child": False},
        "text": "Tổng đài 111 chuyển: một người đàn ông trong khu phố có hành vi dâm ô với cháu Hòa khi đi học về.",
    },
    {
        "by": "officer_a",
        "when": ("ago", 11, "09:05"),
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
        "when": ("period", 20, "10:30"),
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
        "when": ("ago", 12, "16:20"),
        "channel": "school",
        "type": "thong_bao",
        "unit": C,
        "forms": ["violence"],
        "env": "school",
        "days_before": 0,
        "children": ["xuan"],
        "reporter": ("Cô giáo chủ nhiệm", "0966 444 555", "Trường PTDTBT THCS Mường Lát", "giáo viên"),
        "perp": {"relation": "peer", "sex": "female", "approx_age": 14, "lives_with_child": False},
        "text": "Cháu Xuân bị một nhóm học sinh đánh hội đồng sau giờ học, có quay video đăng lên mạng.",
    },
    {
        "by": "police",
        "when": ("ago", 10, "07:50"),
        "channel": "police",
        "type": "to_giac",
        "unit": A,
        "forms": ["violence"],
        "env": "community",
        "days_before": 1,
        "reporter": ("Công an phường Hạc Thành", "0237 3852 113", "", "cơ quan công an"),
        "text": "Công an phường nhận tố giác một trẻ khoảng 10 tuổi bị đánh tại chợ; chưa xác định được danh tính.",
        "situation": {
            "child_age_estimate": 10,
            "child_condition": "Trầy xước ở chân; đã tự về, chưa rõ nơi ở.",
            "prior_actions": "Người bán hàng ở chợ can ngăn, đưa trẻ vào chỗ an toàn.",
        },
    },
    {
        "by": "officer_a",
        "when": ("period", 45, "10:00"),
        "channel": "school",
        "type": "thong_bao",
        "unit": A,
        "forms": ["violence"],
        "env": "school",
        "days_before": 1,
        "children": ["thuy"],
        "reporter": ("Thầy Lê Văn Hùng", "0913 888 999", "Trường THCS Hạc Thành", "giáo viên chủ nhiệm"),
        "perp": {"relation": "peer", "sex": "male", "approx_age": 15, "lives_with_child": False},
        "text": "Cháu Thuỷ bị bạn cùng lớp đánh và đe doạ nhiều lần trong giờ ra chơi.",
    },
]


# How far along the procedure the demo takes each case (the rest stay at "received", some past their 12 hours). Nguyễn
# Văn An's separation ended by the chair's decision; his plan was reviewed recently and goes on (his referrals are in
# devtools/demo/referrals.py). Commune B has no chair in the demo: Đặng Quốc Huy's case waits for one.
WALKS: dict[str, list[str]] = {
    "an": [
        "assess_initial",
        "decide_emergency",
        "assess_specific",
        "draft_plan",
        "approve_plan",
        "end_separation",
        "review",
        "continue_plan",
    ],
    "hoa": ["assess_initial"],
    "bao": ["assess_initial", "decide_emergency", "assess_specific", "draft_plan"],
    "huy": ["assess_initial"],
    "thuy": [
        "assess_initial",
        "decide_emergency",
        "assess_specific",
        "draft_plan",
        "approve_plan",
        "review",
        "propose_closure",
        "approve_closure",
    ],
}
CHAIR_ACTIONS = {"decide_emergency", "approve_plan", "end_separation", "approve_closure"}

# When each step is taken after the report was received: the 12 hours and the 5 working days are met, the review
# comes about a month later. A step taken recently is in RECENT instead: (days before the load day, local time).
AFTER: dict[str, dt.timedelta] = {
    "attach": dt.timedelta(minutes=20),
    "assess_initial": dt.timedelta(hours=3),
    "decide_emergency": dt.timedelta(hours=5),
    "assess_specific": dt.timedelta(days=2),
    "draft_plan": dt.timedelta(days=4),
    "approve_plan": dt.timedelta(days=6),
    "end_separation": dt.timedelta(days=10),
    "review": dt.timedelta(days=35),
    "propose_closure": dt.timedelta(days=35, hours=2),
    "approve_closure": dt.timedelta(days=37),
}
RECENT: dict[str, dict[str, tuple[int, str]]] = {"an": {"review": (7, "09:30"), "continue_plan": (7, "10:15")}}


def _born(age: int, month_day: str, today: dt.date) -> dt.date:
    """The birth date of a child who is `age` today (the demo's children keep their ages whenever it is loaded)."""
    month, day = (int(x) for x in month_day.split("-"))
    year = today.year - age - (1 if (month, day) > (today.month, today.day) else 0)
    return dt.date(year, month, day)


def _local(day: dt.date, hour_minute: str) -> dt.datetime:
    at = dt.datetime.combine(day, dt.time.fromisoformat(hour_minute))
    return timezone.make_aware(at, timezone.get_default_timezone())


def received_moment(when: tuple[str, int, str], today: dt.date) -> dt.datetime:
    """When a demo report was received, from the day `loaddemo` runs: ("period", n, "hh:mm") is n days into the latest
    period whose report may be sent today (so the periodic report the demo prepares has figures behind it); ("ago", n,
    "hh:mm") is n days before today."""
    kind, days, hour_minute = when
    if kind == "period":
        return _local(latest_sendable_period(today).start + dt.timedelta(days=days), hour_minute)
    return _local(today - dt.timedelta(days=days), hour_minute)


def step_moment(key: str, action: str, received: dt.datetime, today: dt.date) -> dt.datetime:
    """When the demo takes `action` on the case of child `key`, whose report was received at `received`."""
    if action in RECENT.get(key, {}):
        days, hour_minute = RECENT[key][action]
        return _local(today - dt.timedelta(days=days), hour_minute)
    return received + AFTER[action]


@contextlib.contextmanager
def demo_clock(moment: dt.datetime | None) -> Iterator[None]:
    """Run the services as at `moment` (None: now), so the demo's past is written as it would have been then: every
    timestamp the services and the audit take (received, opened, steps, deadlines in working days, notifications) is
    that moment's. Only the demo loader travels; nothing is rewritten afterwards."""
    if moment is None:
        yield
        return
    import time_machine

    with time_machine.travel(moment, tick=False):
        yield


def demo_cases_load() -> tuple[int, int]:
    """Create the demo children and reports that are not there yet; returns (children, reports) created.

    Each report and each step of its cases is written through the services at the moment it happened (demo_clock),
    relative to the day the demo is loaded: three reports (two in commune A, one in B) inside the latest period whose
    report may be sent today, the others in the last two weeks.
    """
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in={r["by"] for r in REPORTS} | {"officer_a"})}
    ethnicities = {t.code: t for t in Term.objects.filter(kind=TermKind.ETHNICITY)}
    channels = {t.code: t for t in Term.objects.filter(kind=TermKind.CHANNEL)}
    relations = {t.code: t for t in Term.objects.filter(kind=TermKind.RELATION)}
    # A child is registered just after the first report about them is received (a child with no report: today).
    first_seen: dict[str, dt.datetime] = {}
    for row in REPORTS:
        for key in row.get("children", []):
            at = received_moment(row["when"], today)
            first_seen[key] = min(first_seen.get(key, at), at)
    children: dict[str, Child] = {}
    created_children = created_reports = 0
    for row in CHILDREN:
        unit = unit_get_by_key(row["unit"])
        existing = Child.objects.filter(name_folded=fold(row["full_name"]), residence_unit=unit).first()
        if existing is None:
            carer = row.get("carer")
            creator = users["officer_a"] if row["unit"] == A else User.objects.get(username="supervisor")
            seen = first_seen.get(row["key"])
            with demo_clock(seen + dt.timedelta(minutes=10) if seen else None):
                existing = child_register(
                    actor=creator,
                    data=ChildData(
                        full_name=row["full_name"],
                        sex=row["sex"],
                        residence_unit=unit,
                        date_of_birth=_born(row["born"][0], row["born"][1], today) if "born" in row else None,
                        birth_year=today.year - row["age"] if "age" in row else None,
                        birth_year_estimated="age" in row,
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
        received = received_moment(row["when"], today)
        incident = timezone.localtime(received).date() - dt.timedelta(days=row.get("days_before", 0))
        with demo_clock(received + dt.timedelta(minutes=5)):
            report = report_receive(
                actor=users[row["by"]],
                data=ReportData(
                    report_type=row["type"],
                    channel=channels[row["channel"]],
                    received_at=received,
                    description=row["text"],
                    environment=row["env"],
                    incident_unit=unit,
                    forms=row["forms"],
                    incident_date=incident if "days_before" in row else None,
                    reporter_anonymous=row.get("anonymous", False),
                    reporter_name=reporter[0],
                    reporter_phone=reporter[1],
                    reporter_address=reporter[2],
                    reporter_relation=reporter[3],
                    injury=row.get("injury", False),
                    ongoing_danger=row.get("danger", False),
                    carer_is_perpetrator=row.get("carer", False),
                    perpetrators=[{**perp, "relation": relations[perp["relation"]]}] if perp else [],
                    **row.get("situation", {}),
                ),
            )
        attacher = users["officer_a"] if row["unit"] == A else users.get("officer_b", users["supervisor"])
        if row["unit"] == C:
            attacher = users["supervisor"]
        for key in row.get("children", []):
            with demo_clock(received + AFTER["attach"]):
                report_attach_child(actor=attacher, report=report, child=children[key])
            if key in WALKS:
                _walk(report.cases.get(child=children[key]), key, row["unit"], received, today)
        created_reports += 1
    return created_children, created_reports


# A plausible record for each step the demo takes.
def _records(case: Case, closing: bool, plan_days: int = 60) -> dict[str, dict[str, Any]]:
    today = timezone.localdate()
    separated = case.child.full_name == "Nguyễn Văn An"
    return {
        "assess_initial": {
            "risk_level": "medium" if closing else "high",
            "in_danger_now": not closing,
            "needs_emergency": separated,
            "level": "intervention",
            "summary": "Đã gặp trẻ và gia đình; thông tin ban đầu có cơ sở.",
            "finding": "established",  # the periodic report counts the child as harmed (TT 13/2021 indicator 0101)
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
            "end_date": today + dt.timedelta(days=plan_days),
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
        "end_separation": {"end_decision_number": f"{case.pk:02d}/QĐ-UBND", "end_decided_on": today},
        "review": (
            {
                "harm_severity": "low",
                "abuser_access": "low",
                "care_obstacles": "low",
                "self_protection": "medium",
                "recovery_level": "high",
                "care_environment": "Gia đình đã thay đổi.",
                "recovery": "Trẻ đi học đều, tâm lý ổn định.",
                "risk_remains": False,
                "child_stable": True,
                "conclusion": "Đề xuất đóng hồ sơ.",
            }
            if closing
            else {
                "harm_severity": "medium",
                "abuser_access": "low",
                "care_obstacles": "medium",
                "self_protection": "low",
                "recovery_level": "medium",
                "care_environment": "Hết cách ly, trẻ ở với mẹ tại nhà bà nội; bố không còn sống cùng trẻ.",
                "recovery": "Vết thương đã lành; trẻ còn lo âu, ngủ chưa ngon.",
                "risk_remains": True,
                "child_stable": False,
                "conclusion": "Tiếp tục thực hiện kế hoạch; đề nghị Trung tâm Công tác xã hội tư vấn tâm lý cho trẻ.",
            }
        ),
        "continue_plan": {"note": "Tiếp tục thực hiện kế hoạch sau rà soát."},
        "propose_closure": {"note": ""},
        "approve_closure": {"note": ""},
    }


def _walk(case: Case, key: str, unit_key: str, received: dt.datetime, today: dt.date) -> None:
    officer = User.objects.filter(username="officer_a" if unit_key == A else "officer_b").first()
    chair = User.objects.filter(username="chair_a", unit=case.unit).first()
    closing = WALKS[key][-1] == "approve_closure"
    # A plan still running today ends two months from today; a closed case's plan ran two months from its drafting.
    drafted = timezone.localtime(received + AFTER["draft_plan"]).date()
    plan_days = 60 if closing else max(60, (today - drafted).days + 60)
    for action in WALKS[key]:
        actor = chair if action in CHAIR_ACTIONS else officer
        if actor is None:
            return
        with demo_clock(step_moment(key, action, received, today)):
            records = _records(case, closing=closing, plan_days=plan_days)
            case.refresh_from_db()
            case_act(actor=actor, case=case, action=action, version=case.version, data=records[action])
