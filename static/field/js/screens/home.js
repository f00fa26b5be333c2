// #/: the offline work at a glance: what waits to be sent, what needs a choice, the carried cases, the last sync.

import * as data from "../data.js";
import { store } from "../store.js";
import { fmt, h, linkButton, mount, notice, t, when } from "../ui.js";
import { STATUS } from "./queue.js";

export async function homeScreen(ctx) {
  const all = await data.items();
  const carried = await data.carried();
  const notes = await data.notices();
  const meta = await store.meta();
  const count = (status) => all.filter((i) => i.status === status).length;
  const user = ctx.profile.user || {};
  const tiles = ["pending", "refused", "conflict", "sent"].map((status) =>
    h("a.tile", { href: "#/queue", "data-count": status }, h("span.tile-n", {}, String(count(status))), h("span.tile-label", {}, STATUS[status]())),
  );
  const open = all.filter((i) => data.UNSENT.has(i.status));
  mount(
    ctx.view,
    h("h1.h4", {}, t("Việc ngoại tuyến")),
    h("p.text-muted", {}, user.full_name || user.username || "", user.unit ? [" · ", user.unit.name] : null),
    notes.map((n) => notice("warning", n.text)),
    count("conflict") ? notice("warning", t("Có việc bị xung đột: hồ sơ đã thay đổi trên máy chủ. Vào hàng chờ để xem và chọn.")) : null,
    count("refused") ? notice("danger", t("Có việc bị máy chủ từ chối: vào hàng chờ để sửa hoặc bỏ.")) : null,
    h("div.tiles", {}, tiles, h("a.tile", { href: "#/cases", "data-count": "carried" }, h("span.tile-n", {}, String(carried.length)), h("span.tile-label", {}, t("Hồ sơ mang theo")))),
    h("p.last-sync", {}, meta && meta.lastSync ? fmt("Đồng bộ lần cuối: %(when)s", { when: when(meta.lastSync) }) : t("Chưa đồng bộ lần nào trên máy này.")),
    meta && meta.wipeDays
      ? h("p.form-text", {}, fmt("Dữ liệu trên máy tự xoá sau %(days)s ngày không đồng bộ.", { days: meta.wipeDays }))
      : null,
    open.length
      ? h("section.card-section", {}, h("h2.h5", {}, t("Chưa gửi")),
          h("ul.plain", {}, open.map((i) => h("li", {}, i.title, " – ", STATUS[i.status]()))))
      : null,
    h("div.actions", {},
      linkButton(t("Tiếp nhận thông tin (Mẫu 01)"), "#/report", "btn-primary"),
      linkButton(t("Đăng ký trẻ em"), "#/child"),
      linkButton(t("Hồ sơ mang theo"), "#/cases"),
    ),
  );
}
