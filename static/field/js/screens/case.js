// #/case/<id>: a carried case, read-only, as the API gave it (state, officer, deadlines, steps, the child's record when
// the role may see it), and, while it is being implemented, the two steps recorded offline: "Ghi kết quả thực hiện"
// (log_activity) and "Rà soát – Mẫu 06" (review). #/case/<id>?item=<item> edits a queued step.

import * as data from "../data.js";
import {
  button, checkForm, clearErrors, day, facts, field, fmt, h, mount, notice, radioValue, radios, showErrors, t, when,
} from "../ui.js";

const IMPLEMENTING = "implementing";

export async function caseScreen(ctx) {
  const id = ctx.params.id;
  const copy = await data.carriedCase(id);
  const editing = ctx.params.item ? await data.item(ctx.params.item) : null;
  if (!copy || !copy.detail || !copy.detail.state) {
    mount(ctx.view, notice("warning", fmt("Hồ sơ số %(id)s không có trên máy này (chưa mang theo, hoặc đã bị xoá khi đồng bộ).", { id })),
      h("a.btn.btn-outline-primary.btn-touch", { href: "#/cases" }, t("Về danh sách hồ sơ")));
    return;
  }
  const d = copy.detail;
  const queued = (await data.items()).filter((i) => String(i.case_id) === String(id) && data.UNSENT.has(i.status));
  const parts = [
    h("h1.h4", {}, fmt("Hồ sơ số %(id)s", { id: d.id })),
    h("p.text-muted", {}, fmt("Bản lưu trên máy, chỉ đọc: mang theo lúc %(carried)s, cập nhật lúc %(refreshed)s (phiên bản %(version)s).", {
      carried: when(copy.carried_at), refreshed: when(copy.refreshed_at || copy.carried_at), version: copy.version,
    })),
    facts([
      [t("Trạng thái"), d.state.label],
      [t("Mức độ"), d.level ? d.level.label : ""],
      [t("Xã, phường"), d.commune.name],
      [t("Cán bộ phụ trách"), d.officer ? d.officer.name : t("Chưa có")],
      [t("Mở hồ sơ lúc"), when(d.opened_at)],
      [t("Số tiếp nhận"), d.report ? d.report.reference : ""],
      [t("Tiếp nhận lúc"), d.report ? when(d.report.received_at) : ""],
      [t("Nội dung sự việc"), d.report ? d.report.description : ""],
    ]),
  ];
  if (queued.length) {
    parts.push(notice("info", fmt("%(n)s việc của hồ sơ này đang chờ gửi.", { n: queued.length }), " ", h("a", { href: "#/queue" }, t("Xem hàng chờ"))));
  }
  if (d.deadlines && d.deadlines.length) {
    parts.push(h("section.card-section", {}, h("h2.h5", {}, t("Thời hạn")),
      h("ul.plain", {}, d.deadlines.map((x) => h("li", {}, x.label, ": ", when(x.due_at), x.overdue ? h("span.badge.badge-overdue", {}, t("Quá hạn")) : null)))));
  }
  parts.push(h("section.card-section", {}, h("h2.h5", {}, t("Các bước đã thực hiện")),
    (d.steps || []).length
      ? h("ol.steps", {}, d.steps.map((s) => h("li", {}, h("strong", {}, s.label), h("br"), h("small", {}, s.actor, " · ", when(s.at)))))
      : h("p.text-muted", {}, t("Chưa có bước nào."))));
  if (copy.child && copy.child.record) parts.push(childRecord(copy.child.record));
  else if (d.child) parts.push(facts([[t("Trẻ em"), d.child.full_name], [t("Ngày sinh"), d.child.date_of_birth ? day(d.child.date_of_birth) : String(d.child.birth_year || "")]]));

  const may = ctx.profile.may && ctx.profile.may.casework;
  if (d.state.code === IMPLEMENTING && may) {
    const action = editing ? editing.body.action : ctx.params.form || "";
    const area = h("div.step-area");
    const open = (which) => {
      area.replaceChildren(stepForm(ctx, copy, which, editing));
    };
    parts.push(h("section.card-section", {}, h("h2.h5", {}, t("Ghi việc ngoại tuyến")),
      h("div.actions", {},
        button(t("Ghi kết quả thực hiện"), () => open("log_activity"), "btn-outline-primary"),
        button(t("Rà soát – Mẫu 06"), () => open("review"), "btn-outline-primary"),
      ), area));
    mount(ctx.view, parts);
    if (action) open(action);
    return;
  }
  if (editing) {
    parts.push(notice("warning", t("Hồ sơ không còn ở bước thực hiện kế hoạch: không ghi được việc này. Bỏ mục này trong hàng chờ.")));
  } else if (may) {
    parts.push(h("p.text-muted", {}, t("Chỉ ghi được kết quả thực hiện và rà soát khi hồ sơ đang thực hiện kế hoạch.")));
  }
  mount(ctx.view, parts);
}

function childRecord(r) {
  return h("section.card-section", {}, h("h2.h5", {}, t("Trẻ em")), facts([
    [t("Họ và tên"), r.full_name],
    [t("Tên gọi khác"), r.other_names],
    [t("Giới tính"), r.sex ? r.sex.label : ""],
    [t("Ngày sinh"), r.date_of_birth ? day(r.date_of_birth) : `${r.birth_year}${r.birth_year_estimated ? ` (${t("ước lượng")})` : ""}`],
    [t("Địa chỉ"), r.address],
    [t("Trường, lớp"), [r.school, r.school_class].filter(Boolean).join(", ")],
    [t("Hoàn cảnh đặc biệt"), (r.circumstances || []).map((c) => c.label).join(", ")],
    [t("Người chăm sóc"), (r.carers || []).map((c) => [c.full_name, c.relation, c.phone].filter(Boolean).join(", ")).join("; ")],
    [t("Ghi chú"), r.notes],
  ]));
}

/** The step's form: log_activity from profile.activity.fields, review (Mẫu 06) from profile.review. */
export function stepForm(ctx, copy, action, editing) {
  const profile = ctx.profile;
  const values = editing && editing.body.action === action ? editing.body.data : {};
  const inputs = [];
  if (action === "log_activity") {
    for (const f of (profile.activity && profile.activity.fields) || []) inputs.push(plainField(f, values[f.name]));
  } else {
    const ratings = (profile.vocab && profile.vocab.ratings) || [];
    const review = profile.review || { harm: [], resilience: [], fields: [] };
    inputs.push(h("h3.h6", {}, t("a) Đánh giá mức độ tổn hại của trẻ em")));
    for (const c of review.harm) {
      const options = ratings.map((r) => ({ code: r.code, label: c.scale && c.scale[r.code] ? `${r.label}: ${c.scale[r.code]}` : r.label }));
      inputs.push(ratingField(c, options, values[c.name]));
    }
    inputs.push(h("h3.h6", {}, t("b) Đánh giá khả năng tự bảo vệ, phục hồi của trẻ em")));
    for (const c of review.resilience) inputs.push(ratingField(c, ratings, values[c.name]));
    for (const f of review.fields) inputs.push(plainField(f, values[f.name]));
  }
  const form = h("form.field-form.step-form", { novalidate: true, "data-action": action },
    h("h3.h5", {}, action === "review" ? t("Rà soát, đánh giá – Mẫu 06") : t("Ghi kết quả thực hiện kế hoạch")),
    h("div.form-summary"),
    inputs,
    h("p.form-text", {}, t("Thời điểm ghi là lúc bạn lưu; khi gửi lên, hệ thống ghi nhận cả thời điểm ghi ngoại tuyến và thời điểm gửi.")),
    h("div.actions", {}, h("button.btn.btn-primary.btn-touch", { type: "submit" }, editing ? t("Lưu thay đổi") : t("Lưu vào hàng chờ"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const errors = checkForm(form);
    if (errors.length) {
      showErrors(form, errors, t("Chưa lưu: kiểm tra các trường được đánh dấu."));
      return;
    }
    const payload = {};
    for (const el of form.querySelectorAll("[data-pointer^='/data/']")) {
      const name = el.dataset.pointer.slice("/data/".length);
      if (el.dataset.radios) payload[name] = radioValue(el, el.dataset.radios);
      else if (el.type === "checkbox") payload[name] = el.checked;
      else payload[name] = String(el.value || "").trim();
    }
    const label = action === "review" ? t("Rà soát – Mẫu 06") : t("Ghi kết quả thực hiện");
    const title = fmt("%(label)s – hồ sơ số %(id)s", { label, id: copy.detail.id });
    if (editing) {
      // Edited after a refusal or a conflict: on top of the case as the device knows it now.
      const body = { ...editing.body, action, data: payload, version: copy.version };
      await data.saveItem({ ...editing, body, base_version: copy.version, known_steps: data.stepKeys(copy.detail), title, status: "pending", result: null });
    } else {
      const recorded = new Date().toISOString();
      await data.enqueue({
        kind: "step",
        title,
        body: { action, version: copy.version, recorded_at: recorded, data: payload },
        case_id: copy.detail.id,
        base_version: copy.version,
        recorded_at: recorded,
        extra: { known_steps: data.stepKeys(copy.detail) },
      });
    }
    ctx.flash(t("Đã lưu trên máy (đã mã hoá). Bấm “Gửi lên” khi có mạng."));
    ctx.go("#/queue");
  });
  if (editing && editing.status === "refused" && editing.result) {
    queueMicrotask(() => showErrors(form, editing.result.errors, editing.result.detail));
  }
  return form;
}

function plainField(f, value) {
  let input;
  if (f.type === "bool") input = h("input", { type: "checkbox", checked: Boolean(value) });
  else if (f.type === "date") {
    input = h("input", { type: "date", value: value || "" });
    input.dataset.notFuture = "1";
  } else if (f.max_length) input = h("input", { maxlength: String(f.max_length), value: value || "" });
  else input = h("textarea", { rows: "3" }, value || "");
  return field({ label: f.label, pointer: `/data/${f.name}`, input, required: Boolean(f.required) && f.type !== "bool" });
}

function ratingField(c, options, value) {
  const group = radios(options, value, `rating-${c.name}`, `/data/${c.name}`);
  group.dataset.required = "1";
  group.dataset.requiredMessage = t("Chọn mức độ: Cao, Trung bình hoặc Thấp.");
  return h("fieldset.mb-3.rating-field", {}, h("legend.form-label.req", {}, c.label), group,
    h("div.invalid-feedback.field-error", { "data-error-for": `/data/${c.name}`, hidden: true }));
}
