// #/report: Mẫu 01 recorded offline (POST /api/v1/reports/ with "recorded_offline": true once sent). The receipt
// time is the real one, editable, defaulting to now: the 12-hour limit runs from it. #/report?item=<id> edits a
// queued report (refused, or not sent yet) with the server's reasons shown field by field. Perpetrators 0..10 as
// the web form's (docs/api.md#intake: `perpetrators`); an entry with no name, relation or age is not sent.

import * as data from "../data.js";
import {
  checkForm, checked, checks, clearErrors, field, fmt, h, inputMoment, isoMoment, localInput, mount, notice, select,
  showErrors, t, when,
} from "../ui.js";
import { childChecks, childFields, readChild } from "./childform.js";

// Marked for the catalog (makemessages), translated when drawn.
const gettext_noop = (text) => text;
const MAX_PERPETRATORS = 10; // the API's limit (api/intake_serializers.py MAX_PERPETRATORS)
const PERP_AGE_MAX = 120; // PerpetratorIn.approx_age, as the web form
const SEXES = ["male", "female", "unknown"];
const SITUATION = [
  ["condition", gettext_noop("Tình trạng hiện tại của trẻ em")],
  ["likely_consequences", gettext_noop("Hậu quả có thể xảy ra nếu không được hỗ trợ, can thiệp")],
  ["family_situation", gettext_noop("Hoàn cảnh gia đình")],
  ["current_carer", gettext_noop("Hiện ai đang chăm sóc trẻ em")],
  ["prior_actions", gettext_noop("Những hỗ trợ, can thiệp đã thực hiện trước khi nhận thông tin")],
];

export async function reportScreen(ctx) {
  const { profile } = ctx;
  if (!profile.may || !profile.may.log_report) {
    mount(ctx.view, notice("warning", t("Vai trò của bạn không tiếp nhận thông tin, thông báo, tố giác.")));
    return;
  }
  const editing = ctx.params.item ? await data.item(ctx.params.item) : null;
  if (ctx.params.item && (!editing || !editing.body)) {
    mount(ctx.view, notice("warning", t("Không còn mục này trong hàng chờ.")));
    return;
  }
  const body = editing ? editing.body : {};
  const vocab = profile.vocab || {};
  const incident = body.incident || {};
  const reporter = body.reporter || { anonymous: true };
  const situation = body.situation || {};

  const received = h("input", { type: "datetime-local", value: body.received_at ? inputMoment(body.received_at) : localInput() });
  received.dataset.notFuture = "1";
  const anonymous = h("input", { type: "checkbox", checked: reporter.anonymous !== false });
  const reporterBox = h(
    "div.subgroup",
    { hidden: reporter.anonymous !== false },
    field({ label: t("Họ tên người báo tin"), pointer: "/reporter/name", input: h("input", { value: reporter.name || "" }) }),
    field({ label: t("Điện thoại"), pointer: "/reporter/phone", input: h("input", { type: "tel", value: reporter.phone || "" }) }),
    field({ label: t("Địa chỉ"), pointer: "/reporter/address", input: h("input", { value: reporter.address || "" }) }),
    field({ label: t("Quan hệ với trẻ em"), pointer: "/reporter/relation", input: h("input", { value: reporter.relation || "" }) }),
  );
  anonymous.addEventListener("change", () => {
    reporterBox.hidden = anonymous.checked;
  });
  const incidentDate = h("input", { type: "date", value: incident.date || "" });
  incidentDate.dataset.notFuture = "1";
  const formsBox = checks(vocab.forms || [], body.forms, "/forms", "forms");
  formsBox.dataset.required = "1";
  formsBox.dataset.requiredMessage = t("Chọn ít nhất một hình thức xâm hại.");
  const communeOptions = (profile.communes || []).map((c) => ({ code: c.code, label: `${c.name} – ${c.province}` }));
  const children = entryCards({
    box: "div.children",
    path: "/children",
    entries: body.children,
    legend: (n) => fmt("Trẻ em thứ %(n)s", { n }),
    draw: (at, child) => childFields(profile, at, child),
    read: readChild,
    removeLabel: t("Bỏ trẻ em này"),
    addLabel: t("Thêm trẻ em"),
  });
  const perpetrators = entryCards({
    box: "div.perpetrators",
    path: "/perpetrators",
    entries: body.perpetrators,
    card: ".perp-card",
    legend: (n) => fmt("Người gây hại thứ %(n)s", { n }),
    draw: (at, perp) => perpFields(vocab, at, perp),
    read: readPerp,
    removeLabel: t("Bỏ người này"),
    addLabel: t("Thêm người gây hại"),
    max: MAX_PERPETRATORS,
  });

  const form = h(
    "form.field-form",
    { novalidate: true },
    h("h1.h4", {}, editing ? t("Sửa báo cáo trong hàng chờ") : t("Tiếp nhận thông tin, thông báo, tố giác (Mẫu 01)")),
    h("div.form-summary"),
    editing && editing.result && editing.status === "refused"
      ? notice("danger", t("Máy chủ đã từ chối báo cáo này: sửa theo các lỗi bên dưới rồi lưu lại."))
      : null,
    h("section.card-section", {},
      field({
        label: t("Thời điểm tiếp nhận"),
        pointer: "/received_at",
        input: received,
        required: true,
        help: t("Thời điểm thật sự nhận được thông tin, không phải lúc gửi lên hệ thống: thời hạn 12 giờ tính từ thời điểm này. Mặc định là lúc mở mẫu; sửa nếu đã nhận trước đó."),
      }),
      field({ label: t("Kênh tiếp nhận"), pointer: "/channel", input: select(vocab.channels || [], body.channel), required: true }),
      field({ label: t("Loại"), pointer: "/report_type", input: select(vocab.report_types || [], body.report_type), required: true }),
    ),
    h("section.card-section", {},
      h("h2.h5", {}, t("Người báo tin")),
      field({ label: t("Người báo tin giấu tên"), pointer: "/reporter/anonymous", input: anonymous }),
      h("p.form-text", {}, t("Mặc định giữ kín danh tính người báo tin; bỏ chọn để ghi họ tên, điện thoại.")),
      reporterBox,
    ),
    h("section.card-section", {},
      h("h2.h5", {}, t("Sự việc")),
      field({ label: t("Xã, phường nơi xảy ra"), pointer: "/incident/commune", input: select(communeOptions, incident.commune || (communeOptions[0] || {}).code), required: true }),
      field({ label: t("Ngày xảy ra"), pointer: "/incident/date", input: incidentDate }),
      field({ label: t("Nơi xảy ra"), pointer: "/incident/place", input: h("input", { value: incident.place || "" }) }),
      field({ label: t("Nội dung sự việc"), pointer: "/incident/description", input: h("textarea", { rows: "5" }, incident.description || ""), required: true }),
      field({ label: t("Môi trường xảy ra"), pointer: "/incident/environment", input: select(vocab.environments || [], incident.environment), required: true }),
      field({ label: t("Trẻ bị thương tích"), pointer: "/incident/injury", input: h("input", { type: "checkbox", checked: Boolean(incident.injury) }) }),
      field({ label: t("Trẻ đang gặp nguy hiểm"), pointer: "/incident/ongoing_danger", input: h("input", { type: "checkbox", checked: Boolean(incident.ongoing_danger) }) }),
      field({ label: t("Người chăm sóc là người gây hại"), pointer: "/incident/carer_is_perpetrator", input: h("input", { type: "checkbox", checked: Boolean(incident.carer_is_perpetrator) }) }),
      h("fieldset.mb-3", {}, h("legend.form-label.req", {}, t("Hình thức xâm hại")), formsBox,
        h("div.invalid-feedback.field-error", { "data-error-for": "/forms", hidden: true })),
    ),
    h("section.card-section", {},
      h("h2.h5", {}, t("Trẻ em")),
      h("p.form-text", {}, t("Có thể chưa ghi trẻ em nào: xã, phường đăng ký trẻ em sau.")),
      children.box,
      children.add,
    ),
    h("section.card-section", {},
      h("h2.h5", {}, t("Người gây hại")),
      h("p.form-text", {}, t("Không bắt buộc; ghi những gì đã biết. Người không có họ tên, quan hệ hay tuổi thì không được gửi.")),
      perpetrators.box,
      perpetrators.add,
    ),
    h("details.card-section", { open: SITUATION.some(([k]) => situation[k]) || null },
      h("summary", {}, t("Tình hình trẻ em và gia đình (không bắt buộc)")),
      field({ label: t("Tuổi ước lượng của trẻ em"), pointer: "/situation/age_estimate", input: h("input", { type: "number", min: "0", max: "17", value: situation.age_estimate ?? "" }) }),
      SITUATION.map(([name, label]) =>
        field({ label: t(label), pointer: `/situation/${name}`, input: h("textarea", { rows: "2" }, situation[name] || "") }),
      ),
      parentFields("father", t("Cha"), situation.father || {}),
      parentFields("mother", t("Mẹ"), situation.mother || {}),
    ),
    h("div.actions", {},
      h("button.btn.btn-primary.btn-touch", { type: "submit" }, editing ? t("Lưu thay đổi") : t("Lưu vào hàng chờ")),
      h("a.btn.btn-outline-secondary.btn-touch", { href: editing ? "#/queue" : "#/" }, t("Huỷ")),
    ),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = read();
    const errors = [
      ...checkForm(form),
      ...children.keep().flatMap((c, n) => childChecks(c, `/children/${n}`)),
      ...perpetrators.keep().flatMap((p, n) => perpChecks(p, `/perpetrators/${n}`)),
    ];
    if (errors.length) {
      showErrors(form, errors, t("Chưa lưu: kiểm tra các trường được đánh dấu."));
      return;
    }
    const title = fmt("Báo cáo %(when)s", { when: when(value.received_at) });
    if (editing) {
      await data.saveItem({ ...editing, body: value, title, status: "pending", result: null });
    } else {
      await data.enqueue({ kind: "report", title, body: value, recorded_at: new Date().toISOString() });
    }
    ctx.flash(t("Đã lưu báo cáo trên máy (đã mã hoá). Bấm “Gửi lên” khi có mạng."));
    ctx.go("#/queue");
  });

  function read() {
    const v = (pointer) => {
      const el = form.querySelector(`[data-pointer="${CSS.escape(pointer)}"]`);
      if (!el) return "";
      return el.type === "checkbox" ? el.checked : String(el.value || "").trim();
    };
    const out = {
      received_at: isoMoment(v("/received_at")),
      channel: v("/channel"),
      report_type: v("/report_type"),
      reporter: anonymous.checked
        ? { anonymous: true }
        : { anonymous: false, name: v("/reporter/name"), phone: v("/reporter/phone"), address: v("/reporter/address"), relation: v("/reporter/relation") },
      incident: {
        commune: v("/incident/commune"),
        place: v("/incident/place"),
        description: v("/incident/description"),
        environment: v("/incident/environment"),
        injury: v("/incident/injury"),
        ongoing_danger: v("/incident/ongoing_danger"),
        carer_is_perpetrator: v("/incident/carer_is_perpetrator"),
      },
      forms: checked(formsBox),
      children: children.keep(),
      recorded_offline: true,
    };
    const perps = perpetrators.keep().filter(perpGiven).map(perpBody);
    if (perps.length) out.perpetrators = perps;
    if (v("/incident/date")) out.incident.date = v("/incident/date");
    const sit = {};
    if (v("/situation/age_estimate") !== "") sit.age_estimate = Number(v("/situation/age_estimate"));
    for (const [name] of SITUATION) if (v(`/situation/${name}`)) sit[name] = v(`/situation/${name}`);
    for (const who of ["father", "mother"]) {
      const p = {};
      if (v(`/situation/${who}/name`)) p.name = v(`/situation/${who}/name`);
      if (v(`/situation/${who}/age`) !== "") p.age = Number(v(`/situation/${who}/age`));
      if (v(`/situation/${who}/occupation`)) p.occupation = v(`/situation/${who}/occupation`);
      if (Object.keys(p).length) sit[who] = p;
    }
    if (Object.keys(sit).length) out.situation = sit;
    return out;
  }

  const banner = editing && editing.result && editing.status === "refused" ? editing.result : null;
  mount(ctx.view, form);
  if (banner) showErrors(form, banner.errors, banner.detail);
}

/**
 * A list of entries of the form (the children, the perpetrators), each drawn as a card with its own remove button,
 * and a button that adds an empty one (hidden at `max`). What was typed is read back into the entries (`read`)
 * before each change, so adding or removing one keeps the others as typed; `keep()` returns them as typed now.
 */
function entryCards({ box, path, entries, card = "", legend, draw, read, removeLabel, addLabel, max = Infinity }) {
  let list = (entries || []).map((entry) => ({ ...entry }));
  const root = h(box);
  const add = h("button.btn.btn-outline-primary.btn-touch", {
    type: "button",
    onclick: () => {
      keep();
      if (list.length >= max) return;
      list.push({});
      redraw();
    },
  }, addLabel);

  function keep() {
    list = list.map((_entry, n) => read(root, `${path}/${n}`));
    return list;
  }
  function remove(n) {
    keep();
    list.splice(n, 1);
    redraw();
  }
  function redraw() {
    root.replaceChildren(
      ...list.map((entry, n) =>
        h(
          `fieldset.child-card${card}`,
          {},
          h("legend", {}, legend(n + 1)),
          draw(`${path}/${n}`, entry),
          h("button.btn.btn-outline-danger.btn-touch", { type: "button", onclick: () => remove(n) }, removeLabel),
        ),
      ),
    );
    add.hidden = list.length >= max;
  }
  redraw();
  return { box: root, add, keep };
}

// The web form's PerpetratorForm (cases/forms.py): the same labels, sex "unknown" unless chosen.
function perpFields(vocab, at, value) {
  const age = h("input", { type: "number", inputmode: "numeric", min: "0", max: String(PERP_AGE_MAX), step: "1", value: value.approx_age ?? "" });
  return h(
    "div.perp-fields",
    { "data-perpetrator": at },
    field({ label: t("Họ tên (nếu biết)"), pointer: `${at}/name`, input: h("input", { value: value.name || "", autocomplete: "off" }) }),
    field({ label: t("Quan hệ với trẻ em"), pointer: `${at}/relation`, input: select(vocab.relations || [], value.relation || "") }),
    field({ label: t("Giới tính"), pointer: `${at}/sex`, input: select(vocab.sexes || [], value.sex || "unknown", { blank: false }) }),
    field({ label: t("Tuổi (ước tính)"), pointer: `${at}/approx_age`, input: age }),
    field({ label: t("Sống cùng trẻ em"), pointer: `${at}/lives_with_child`, input: h("input", { type: "checkbox", checked: Boolean(value.lives_with_child) }) }),
  );
}

/** The entry as typed (the age kept as text until sent, so a wrong one can be shown and corrected). */
function readPerp(root, at) {
  const v = (name) => {
    const el = root.querySelector(`[data-pointer="${CSS.escape(`${at}/${name}`)}"]`);
    if (!el) return "";
    return el.type === "checkbox" ? el.checked : String(el.value || "").trim();
  };
  return { name: v("name"), relation: v("relation"), sex: v("sex") || "unknown", approx_age: v("approx_age"), lives_with_child: Boolean(v("lives_with_child")) };
}

function perpGiven(p) {
  return Boolean(p.name || p.relation || (p.approx_age !== "" && p.approx_age !== null && p.approx_age !== undefined));
}

function perpBody(p) {
  const out = { sex: p.sex || "unknown", lives_with_child: Boolean(p.lives_with_child) };
  if (p.name) out.name = p.name;
  if (p.relation) out.relation = p.relation;
  if (p.approx_age !== "" && p.approx_age !== null && p.approx_age !== undefined) out.approx_age = Number(p.approx_age);
  return out;
}

/** The server's plain rules (PerpetratorIn): a whole age 0..120, a sex among the three. */
function perpChecks(p, at) {
  if (!perpGiven(p)) return [];
  const errors = [];
  if (p.approx_age !== "" && p.approx_age !== null && p.approx_age !== undefined) {
    const age = Number(p.approx_age);
    if (!Number.isInteger(age) || age < 0 || age > PERP_AGE_MAX) {
      errors.push({ pointer: `${at}/approx_age`, message: fmt("Tuổi phải là số nguyên từ 0 đến %(max)s.", { max: PERP_AGE_MAX }) });
    }
  }
  if (!SEXES.includes(p.sex)) errors.push({ pointer: `${at}/sex`, message: t("Chọn một giới tính trong danh sách.") });
  return errors;
}

function parentFields(who, label, value) {
  return h(
    "fieldset.subgroup.mb-3",
    {},
    h("legend.form-label", {}, label),
    field({ label: t("Họ và tên"), pointer: `/situation/${who}/name`, input: h("input", { value: value.name || "" }) }),
    field({ label: t("Tuổi"), pointer: `/situation/${who}/age`, input: h("input", { type: "number", min: "10", max: "120", value: value.age ?? "" }) }),
    field({ label: t("Nghề nghiệp"), pointer: `/situation/${who}/occupation`, input: h("input", { value: value.occupation || "" }) }),
  );
}
