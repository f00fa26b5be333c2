// #/conflict/<item>: the case changed on the server since the officer drafted the step. Left, "Trên máy chủ" (the
// 409's case: state, version, the steps the device had not seen, who and when); right, "Bản của bạn" (the draft).
// The officer chooses; nothing is overwritten or dropped without that choice.

import * as data from "../data.js";
import { describe, sync } from "../sync.js";
import { button, facts, fmt, h, mount, notice, t, uuid, when } from "../ui.js";

export async function conflictScreen(ctx) {
  const item = await data.item(ctx.params.id);
  if (!item || item.kind !== "step") {
    mount(ctx.view, notice("warning", t("Không còn mục này trong hàng chờ.")));
    return;
  }
  if (item.status !== "conflict" || !item.result || !item.result.case) {
    mount(ctx.view, notice("info", t("Mục này không còn xung đột.")), h("a.btn.btn-outline-primary.btn-touch", { href: "#/queue" }, t("Về hàng chờ")));
    return;
  }
  const server = item.result.case;
  const known = new Set(item.known_steps || []);
  const since = (server.steps || []).filter((s) => !known.has(data.stepKey(s)));
  const labels = fieldLabels(ctx.profile, item.body.action);
  const ratings = Object.fromEntries(((ctx.profile.vocab && ctx.profile.vocab.ratings) || []).map((r) => [r.code, r.label]));

  async function sendMine() {
    // On the new version; a new key: the server wrote nothing for the old body (409), and the body differs now.
    const body = { ...item.body, version: server.version };
    await data.saveItem({ ...item, body, key: uuid(), base_version: server.version, known_steps: (server.steps || []).map(data.stepKey), status: "pending", result: null });
    const copy = await data.carriedCase(item.case_id);
    if (copy) await data.carry(item.case_id, server, copy.child);
    if (navigator.onLine) {
      const { message, kind } = describe(await sync({ only: item.id }));
      ctx.flash(message, kind);
    }
    ctx.go("#/queue");
  }
  async function editMine() {
    const copy = await data.carriedCase(item.case_id);
    if (copy) await data.carry(item.case_id, server, copy.child);
    ctx.go(`#/case/${item.case_id}?item=${item.id}`);
  }
  async function dropMine() {
    if (!window.confirm(t("Bỏ bản của bạn? Nội dung đã ghi trên máy sẽ bị xoá, không gửi lên."))) return;
    await data.dropItem(item.id);
    ctx.flash(fmt("Đã bỏ “%(title)s”.", { title: item.title }));
    ctx.go("#/queue");
  }

  mount(
    ctx.view,
    h("h1.h4", {}, t("Xung đột: hồ sơ đã thay đổi trên máy chủ")),
    notice("warning", item.result.detail),
    h("div.side-by-side", {},
      h("section.side.side-server", { "aria-label": t("Trên máy chủ") },
        h("h2.h5", {}, t("Trên máy chủ")),
        facts([
          [t("Trạng thái"), server.state.label],
          [t("Phiên bản"), String(server.version)],
          [t("Cán bộ phụ trách"), server.officer ? server.officer.name : ""],
        ]),
        h("h3.h6", {}, t("Các bước mới từ khi bạn mang theo")),
        since.length
          ? h("ol.steps", {}, since.map((s) => h("li", {}, h("strong", {}, s.label), h("br"), h("small", {}, s.actor, " · ", when(s.at)),
              s.record ? h("div.small.pre-line", {}, recordText(s.record)) : null)))
          : h("p.text-muted", {}, t("Không thấy bước mới (có thể là thay đổi khác của hồ sơ).")),
      ),
      h("section.side.side-mine", { "aria-label": t("Bản của bạn") },
        h("h2.h5", {}, t("Bản của bạn")),
        facts([
          [t("Việc"), item.title],
          [t("Ghi lúc"), when(item.body.recorded_at || item.recorded_at)],
          [t("Trên phiên bản"), String(item.base_version ?? item.body.version)],
          ...Object.entries(item.body.data || {}).map(([name, value]) => [labels[name] || name, show(value, ratings)]),
        ]),
      ),
    ),
    h("div.actions.choices", {},
      button(t("Gửi bản của tôi trên phiên bản mới"), sendMine, "btn-primary"),
      button(t("Sửa bản của tôi"), editMine, "btn-outline-primary"),
      button(t("Bỏ bản của tôi"), dropMine, "btn-outline-danger"),
    ),
  );
}

function show(value, ratings) {
  if (value === true) return t("Có");
  if (value === false) return t("Không");
  return ratings[value] || String(value ?? "");
}

function recordText(record) {
  return Object.entries(record)
    .filter(([, v]) => typeof v === "string" && v)
    .slice(0, 4)
    .map(([, v]) => v)
    .join("\n");
}

function fieldLabels(profile, action) {
  const out = {};
  if (action === "log_activity") {
    for (const f of (profile.activity && profile.activity.fields) || []) out[f.name] = f.label;
  } else if (profile.review) {
    for (const f of [...profile.review.harm, ...profile.review.resilience, ...profile.review.fields]) out[f.name] = f.label;
  }
  return out;
}
