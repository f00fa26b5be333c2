// The fields of one child, shared by Mẫu 01's children (pointer "/children/<n>") and the child's own registration
// (pointer ""): the intake's `children[]` item (docs/api.md). Date of birth, or a birth year (maybe estimated).

import { checked, checks, field, h, select, t } from "../ui.js";

/** The child's fields; `full` adds what the registration page asks besides Mẫu 01's short list. */
export function childFields(profile, at, value = {}, { full = false } = {}) {
  const vocab = profile.vocab || {};
  const year = h("input", { type: "number", inputmode: "numeric", min: "1900", value: value.birth_year ?? "" });
  year.dataset.yearNotFuture = "1";
  const dob = h("input", { type: "date", value: value.date_of_birth || "" });
  dob.dataset.notFuture = "1";
  const parts = [
    field({ label: t("Họ và tên trẻ em"), pointer: `${at}/full_name`, input: h("input", { value: value.full_name || "", autocomplete: "off" }), required: true }),
    field({ label: t("Giới tính"), pointer: `${at}/sex`, input: select(vocab.sexes || [], value.sex), required: true }),
    field({ label: t("Ngày sinh"), pointer: `${at}/date_of_birth`, input: dob, help: t("Nếu không rõ ngày sinh, ghi năm sinh bên dưới.") }),
    field({ label: t("Năm sinh"), pointer: `${at}/birth_year`, input: year }),
    field({ label: t("Năm sinh là ước lượng"), pointer: `${at}/birth_year_estimated`, input: h("input", { type: "checkbox", checked: Boolean(value.birth_year_estimated) }) }),
  ];
  if (full) {
    parts.push(
      field({ label: t("Tên gọi khác"), pointer: `${at}/other_names`, input: h("input", { value: value.other_names || "" }) }),
      field({ label: t("Dân tộc"), pointer: `${at}/ethnicity`, input: select(vocab.ethnicities || [], value.ethnicity) }),
      field({ label: t("Số định danh cá nhân"), pointer: `${at}/national_id`, input: h("input", { inputmode: "numeric", value: value.national_id || "" }), help: t("12 chữ số, nếu có.") }),
      field({
        label: t("Xã, phường nơi cư trú"),
        pointer: `${at}/residence_commune`,
        input: select(profile.communes.map((c) => ({ code: c.code, label: `${c.name} – ${c.province}` })), value.residence_commune || (profile.communes[0] || {}).code),
        required: true,
      }),
      field({ label: t("Địa chỉ"), pointer: `${at}/address`, input: h("input", { value: value.address || "" }) }),
      field({ label: t("Trường học"), pointer: `${at}/school`, input: h("input", { value: value.school || "" }) }),
      field({ label: t("Lớp"), pointer: `${at}/school_class`, input: h("input", { value: value.school_class || "" }) }),
      h("fieldset.mb-3", {}, h("legend.form-label", {}, t("Hoàn cảnh đặc biệt")), checks(vocab.circumstances || [], value.circumstances, `${at}/circumstances`, `${at}-circ`)),
      carerFields(at, (value.carers || [])[0] || {}),
      field({ label: t("Ghi chú"), pointer: `${at}/notes`, input: h("textarea", { rows: "3" }, value.notes || "") }),
    );
  }
  return h("div.child-fields", { "data-child": at }, parts);
}

function carerFields(at, carer) {
  return h(
    "fieldset.mb-3.subgroup",
    {},
    h("legend.form-label", {}, t("Người chăm sóc (nếu có)")),
    field({ label: t("Họ và tên"), pointer: `${at}/carers/0/full_name`, input: h("input", { value: carer.full_name || "" }) }),
    field({ label: t("Quan hệ với trẻ em"), pointer: `${at}/carers/0/relation`, input: h("input", { value: carer.relation || "" }) }),
    field({ label: t("Điện thoại"), pointer: `${at}/carers/0/phone`, input: h("input", { type: "tel", value: carer.phone || "" }) }),
  );
}

/** The child as the API reads it, from the fields under `root` with pointers starting `at`. */
export function readChild(root, at, { full = false } = {}) {
  const v = (name) => {
    const el = root.querySelector(`[data-pointer="${CSS.escape(`${at}/${name}`)}"]`);
    if (!el) return "";
    return el.type === "checkbox" ? el.checked : String(el.value || "").trim();
  };
  const child = { full_name: v("full_name"), sex: v("sex") };
  if (v("date_of_birth")) child.date_of_birth = v("date_of_birth");
  else if (v("birth_year")) {
    child.birth_year = Number(v("birth_year"));
    child.birth_year_estimated = Boolean(v("birth_year_estimated"));
  }
  if (full) {
    for (const name of ["other_names", "national_id", "residence_commune", "address", "school", "school_class", "notes"]) {
      if (v(name)) child[name] = v(name);
    }
    if (v("ethnicity")) child.ethnicity = v("ethnicity");
    const circ = root.querySelector(`[data-pointer="${CSS.escape(`${at}/circumstances`)}"]`);
    if (circ && checked(circ).length) child.circumstances = checked(circ);
    const carer = { full_name: v("carers/0/full_name"), relation: v("carers/0/relation"), phone: v("carers/0/phone") };
    if (carer.full_name) child.carers = [carer];
  }
  return child;
}

/** The client's own rule the field list cannot say: a date of birth or a birth year. */
export function childChecks(child, at) {
  if (!child.date_of_birth && !child.birth_year) {
    return [{ pointer: `${at}/date_of_birth`, message: t("Ghi ngày sinh hoặc năm sinh của trẻ em.") }];
  }
  return [];
}
