"""Build childprotect/places/data/crosswalk_2024_2025.csv: which 2025 commune took over each 2024 commune.

The source is the mapping of the PyPI package `vietnamadminunits` 1.0.4 (MIT, Tran Ngoc Minh Hieu), built by its
author from sapnhap.bando.com.vn (the "trước sáp nhập" list of each new commune) and the GSO list. Its files
`data/converter_2025.json` (old unit key → new commune key, whole, or several new communes for a split commune)
and `data/dataset.db` (the keys with their GSO codes and names) are read here; its `isDefaultNewWard` guess for a
split commune is ignored: a split is never resolved by a guess.

Every link is checked against the project's own lists before it is written:

* the old code is in vn_units_2024.csv under the same district (the GSO code decides; a name the source spells
  another way is kept and listed in the review file);
* the new code is in vn_units_2025.csv under the same name;
* the old unit's 2024 province is one of those that formed the new unit's 2025 province (NQ 202/2025/QH15, the
  table below);
* a new commune whose code is also a 2024 code has that old commune among its predecessors (else: review file);
* an old commune is either whole (one new commune) or split (several, kind `part`), never both.

A link that fails a check is left out of the CSV and written to the review file for a person, with the reason.
With --check, a second mapping (vietnam-address-converter, Apache-2.0, compared by name, nothing copied from it)
adds to the review file each old commune for which it names a new commune that the source does not.

Reproduce (no network beyond PyPI)::

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau && (cd /tmp/vau && unzip -q -o *.whl)
    pip download --no-deps vietnam-address-converter==1.0.5 -d /tmp/vac && (cd /tmp/vac && unzip -q -o *.whl)
    .venv/bin/python devtools/crosswalk/build.py /tmp/vau/vietnamadminunits/data --check /tmp/vac

It rewrites crosswalk_2024_2025.csv and crosswalk_2024_2025_review.csv and prints the counts of the README.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from childprotect.text import fold  # noqa: E402

DATA = ROOT / "childprotect" / "places" / "data"
OUT = DATA / "crosswalk_2024_2025.csv"
REVIEW = DATA / "crosswalk_2024_2025_review.csv"
SOURCE = "vietnamadminunits 1.0.4 (MIT)"
COLUMNS = ["old_code", "old_name", "new_code", "new_name", "kind", "source"]

# The 34 provinces of 2025 and the 2024 provinces each was formed from (Nghị quyết 202/2025/QH15).
PROVINCES_2025: dict[str, tuple[str, ...]] = {
    "01": ("01",),
    "04": ("04",),
    "08": ("08", "02"),
    "11": ("11",),
    "12": ("12",),
    "14": ("14",),
    "15": ("15", "10"),
    "19": ("19", "06"),
    "20": ("20",),
    "22": ("22",),
    "24": ("24", "27"),
    "25": ("25", "26", "17"),
    "31": ("31", "30"),
    "33": ("33", "34"),
    "37": ("37", "35", "36"),
    "38": ("38",),
    "40": ("40",),
    "42": ("42",),
    "44": ("44", "45"),
    "46": ("46",),
    "48": ("48", "49"),
    "51": ("51", "62"),
    "52": ("52", "64"),
    "56": ("56", "58"),
    "66": ("66", "54"),
    "68": ("68", "67", "60"),
    "75": ("75", "70"),
    "79": ("79", "74", "77"),
    "80": ("80", "72"),
    "82": ("82", "87"),
    "86": ("86", "83", "84"),
    "91": ("91", "89"),
    "92": ("92", "94", "93"),
    "96": ("96", "95"),
}
OLD_PROVINCE_TO_NEW = {old: new for new, olds in PROVINCES_2025.items() for old in olds}

# Old communes for which the second mapping (--check) names a new commune the source does not, each looked up by hand
# in the sapnhap.bando.com.vn lists kept in thanglequoc/vietnamese-provinces-database (MIT), file
# dataset-generation-scripts/resources/gis/sapnhapbando_geo_objects.sql: the new commune the second mapping adds does
# not list the old one in every case, so the source stands.
CHECKED_ON_BANDO = {
    "00235", "00553", "00556", "00580", "00775", "03901", "03982", "04033",
    "05779", "06040", "09010", "22708", "26122", "26872", "26923",
}  # fmt: skip

# Codes the source writes differently from the project's lists (vn_units_*.csv README: "Sources").
NEW_CODE_ALIASES = {"06978": "06970"}  # Xã Ba Chẽ: 06970 in GSO Công văn 1027 and in the NSO list


def read_list(name: str) -> dict[str, dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def province_of(units: dict[str, dict[str, str]], code: str) -> str:
    row = units[code]
    while row["parent_code"]:
        row = units[row["parent_code"]]
    return row["code"]


def same_name(a: str, b: str) -> bool:
    return fold(a).replace("'", "") == fold(b).replace("'", "")


def _key(name: str, *, prefix: bool = False) -> str:
    folded = fold(name)
    if not prefix:
        folded = re.sub(r"^(thi tran|phuong|xa|dac khu|quan|huyen|thi xa|thanh pho|tinh) ", "", folded)
    return re.sub(r"[\s'\-]", "", folded)


def second_opinion(
    package: Path, rows: list[dict[str, str]], units_2024: dict[str, dict[str, str]]
) -> list[dict[str, str]]:
    """Old communes for which the second mapping names a new commune that the source does not: for a person."""
    sys.path.insert(0, str(package))
    from vietnam_address_converter.data import DEFAULT_DATA  # type: ignore[import-not-found]

    theirs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    spellings: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in DEFAULT_DATA["mapping"]["rows"]:
        old, new = row["old"], row["new"]
        key = (_key(old["province_name"]), _key(old["district_name"]), _key(old["ward_name"], prefix=True))
        theirs[key].add(_key(new["ward_name"]))
        spellings[key].add(old["ward_name"].lower())
    # Two communes of one district whose names differ only by their marks (Hoằng Quỳ, Hoằng Quý) fold alike:
    # the check cannot tell them apart, so it says nothing about them.
    for key in [key for key, found in spellings.items() if len(found) > 1]:
        del theirs[key]
    ours: dict[str, set[str]] = defaultdict(set)
    names: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        ours[row["old_code"]].add(_key(row["new_name"]))
        names[row["old_code"]][_key(row["new_name"])] = row["new_name"]
    flagged = []
    for code, new_keys in sorted(ours.items()):
        commune = units_2024[code]
        if commune["level"] != "commune":
            continue
        district = units_2024[commune["parent_code"]]
        province = units_2024[district["parent_code"]]
        other = theirs.get((_key(province["name"]), _key(district["name"]), _key(commune["name"], prefix=True)))
        if other and not other <= new_keys:
            flagged.append(
                {
                    "old_code": code,
                    "old_name": commune["name"],
                    "new_code": "",
                    "new_name": ", ".join(sorted(names[code].values())),
                    "reason": (
                        "đã đối chiếu sapnhap.bando.com.vn, giữ như nguồn" if code in CHECKED_ON_BANDO else "kiểm tra"
                    )
                    + ": nguồn đối chiếu còn ghi xã mới "
                    + ", ".join(sorted(other - new_keys)),
                }
            )
    return flagged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="the package's data/ folder (converter_2025.json, dataset.db)")
    parser.add_argument(
        "--check",
        type=Path,
        help="the unpacked wheel of vietnam-address-converter 1.0.5 (Apache-2.0), a second mapping used to check only",
    )
    args = parser.parse_args()

    units_2024, units_2025 = read_list("vn_units_2024.csv"), read_list("vn_units_2025.csv")
    converter = json.loads((args.source / "converter_2025.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(args.source / "dataset.db")
    # Old key "province_district_ward" (ward empty for the five island districts, which had no communes).
    # An old unit: (code, name, the code of its parent).
    old_units: dict[str, tuple[str, str, str]] = {}
    for p_key, d_key, w_key, ward, district, w_code, d_code, p_code in db.execute(
        "SELECT provinceKey, districtKey, wardKey, ward, district, wardCode, districtCode, provinceCode"
        " FROM admin_units_legacy"
    ):
        if w_code:
            old_units[f"{p_key}_{d_key}_{w_key}"] = (w_code, ward, d_code)
        else:  # one of the five island districts without communes
            old_units[f"{p_key}_{d_key}_"] = (d_code, district, p_code)
    new_units: dict[tuple[str, str], tuple[str, str]] = {
        (p_key, w_key): (code, ward)
        for p_key, w_key, code, ward in db.execute("SELECT provinceKey, wardKey, wardCode, ward FROM admin_units")
    }
    db.close()

    links: dict[str, list[str]] = defaultdict(list)  # old key → new keys "province|ward"
    split: set[str] = set()
    for p_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for w_key, old_keys in wards.items():
            for old_key in old_keys:
                links[old_key].append(f"{p_key}|{w_key}")
    for p_key, old_map in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in old_map.items():
            split.add(old_key)
            for target in targets:  # isDefaultNewWard is a guess: not used
                links[old_key].append(f"{p_key}|{target['newWardKey']}")

    rows: list[dict[str, str]] = []
    review: list[dict[str, str]] = []
    spelled: list[dict[str, str]] = []  # kept: same code, the name spelled another way in the source

    def refuse(old_code: str, old_name: str, new_code: str, new_name: str, reason: str) -> None:
        review.append(
            {"old_code": old_code, "old_name": old_name, "new_code": new_code, "new_name": new_name, "reason": reason}
        )

    for old_key, targets in sorted(links.items(), key=lambda item: old_units[item[0]][0]):
        old_code, old_name, old_parent = old_units[old_key]
        mine = units_2024.get(old_code)
        # The GSO code decides; a name written another way (Quí/Quý, NT/Nông trường, Ea Bar/EaBar) is kept and
        # listed, as long as the unit is under the same district.
        if mine is None or mine["parent_code"] != old_parent:
            refuse(old_code, old_name, "", "", "mã cũ không có trong danh mục 2024 hoặc ở huyện khác")
            continue
        if not same_name(mine["name"], old_name):
            spelled.append(
                {
                    "old_code": old_code,
                    "old_name": mine["name"],
                    "new_code": "",
                    "new_name": "",
                    "reason": f"giữ: nguồn viết tên là {old_name}",
                }
            )
        kind = "part" if old_key in split or len(targets) > 1 else "whole"
        old_province = province_of(units_2024, old_code)
        for target in dict.fromkeys(targets):
            p_key, w_key = target.split("|")
            new_code, new_name = new_units[(p_key, w_key)]
            new_code = NEW_CODE_ALIASES.get(new_code, new_code)
            theirs = units_2025.get(new_code)
            if theirs is None or not same_name(theirs["name"], new_name):
                refuse(old_code, mine["name"], new_code, new_name, "mã mới không có trong danh mục 2025 hoặc tên khác")
                continue
            if OLD_PROVINCE_TO_NEW[old_province] != theirs["parent_code"]:
                refuse(old_code, mine["name"], new_code, theirs["name"], "tỉnh cũ không thuộc tỉnh mới")
                continue
            rows.append(
                {
                    "old_code": old_code,
                    "old_name": mine["name"],
                    "new_code": new_code,
                    "new_name": theirs["name"],
                    "kind": kind,
                    "source": SOURCE,
                }
            )

    # Checks over the whole table.
    mapped = {row["old_code"] for row in rows}
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        kinds[row["old_code"]].add(row["kind"])
    mixed = sorted(code for code, found in kinds.items() if len(found) > 1)
    whole_twice = sorted(
        code for code, n in Counter(r["old_code"] for r in rows if r["kind"] == "whole").items() if n > 1
    )
    lone_parts = sorted(
        code for code, n in Counter(r["old_code"] for r in rows if r["kind"] == "part").items() if n < 2
    )
    predecessors: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        predecessors[row["new_code"]].add(row["old_code"])
    reused = [code for code in units_2025 if units_2025[code]["level"] == "commune" and code in units_2024]
    own_missing = sorted(code for code in reused if code not in predecessors[code])
    for code in own_missing:
        refuse(
            code,
            units_2024[code]["name"],
            code,
            units_2025[code]["name"],
            "mã mới là mã của xã cũ này, nhưng xã cũ không nằm trong các xã trước sáp nhập",
        )
    communes_2024 = {c for c, r in units_2024.items() if r["level"] == "commune"}
    for code in sorted(communes_2024 - mapped):
        refuse(code, units_2024[code]["name"], "", "", "không tìm được xã mới")
    no_predecessor = sorted(c for c, r in units_2025.items() if r["level"] == "commune" and c not in predecessors)

    if args.check:
        review += second_opinion(args.check, rows, units_2024)

    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: (r["old_code"], r["new_code"])))
    with REVIEW.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["old_code", "old_name", "new_code", "new_name", "reason"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(review + spelled)

    old_whole = sum(1 for found in kinds.values() if found == {"whole"})
    old_split = sum(1 for found in kinds.values() if found == {"part"})
    print(f"rows: {len(rows)}; old units mapped: {len(mapped)} (whole {old_whole}, split {old_split})")
    print(f"2024 communes not mapped: {len(communes_2024 - mapped)}; to check: {len(review)}; spelled: {len(spelled)}")
    print(f"2025 communes without a predecessor: {len(no_predecessor)} {no_predecessor[:10]}")
    print(f"reused codes: {len(reused)}; own old commune not a predecessor: {len(own_missing)} {own_missing[:10]}")
    print(f"mixed whole/part: {mixed}; whole twice: {whole_twice}; lone parts: {lone_parts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
