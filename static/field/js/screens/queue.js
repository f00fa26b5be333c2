// #/queue: every item recorded on this device with its status and what the server said. Nothing leaves the list
// without the officer's word: a refused item is edited or dropped (confirmed), a conflict is looked at and chosen.

import * as data from "../data.js";
import { button, fmt, h, linkButton, mount, notice, t, when } from "../ui.js";

export const STATUS = {
  pending: () => t("Chờ gửi"),
  sent: () => t("Đã gửi"),
  refused: () => t("Bị từ chối"),
  conflict: () => t("Xung đột"),
  access_lost: () => t("Không còn quyền"),
  error: () => t("Lỗi, sẽ gửi lại"),
};

export function editHref(item) {
  if (item.kind === "report") return `#/report?item=${item.id}`;
  if (item.kind === "child") return `#/child?item=${item.id}`;
  return `#/case/${item.case_id}?item=${item.id}`;
}

export async function queueScreen(ctx) {
  const all = (await data.items()).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  const notes = await data.notices();

  async function drop(item) {
    if (!window.confirm(fmt("Bỏ “%(title)s”? Nội dung đã ghi trên máy sẽ bị xoá, không gửi lên.", { title: item.title }))) return;
    await data.dropItem(item.id);
    ctx.flash(fmt("Đã bỏ “%(title)s”.", { title: item.title }));
    ctx.rerender();
  }
  async function forget(item) {
    await data.dropItem(item.id);
    ctx.rerender();
  }

  const rows = all.map((item) => {
    const r = item.result || {};
    const detail = [];
    if (item.status === "sent") {
      if (item.kind === "report") detail.push(fmt("Số tiếp nhận: %(ref)s", { ref: r.reference }));
      else if (item.kind === "child") detail.push(fmt("Trẻ em đã đăng ký, mã số %(id)s", { id: r.id }));
      else detail.push(r.step ? fmt("%(label)s, ghi lúc %(at)s", { label: r.step.label, at: when(r.step.at) }) : t("Đã ghi vào hồ sơ."));
      detail.push(h("br"), h("small.text-muted", {}, fmt("Gửi lúc %(at)s", { at: when(r.at) })));
    } else if (item.status === "refused") {
      detail.push(h("p.reason.mb-1", {}, r.detail));
      const more = (r.errors || []).filter((e) => e.message !== r.detail); // one error is also the detail
      if (more.length) detail.push(h("ul.reasons", {}, more.map((e) => h("li", {}, e.message))));
      detail.push(h("p.form-text", {}, t("Chưa ghi gì lên hệ thống. Sửa rồi gửi lại, hoặc bỏ mục này.")));
    } else if (item.status === "conflict") {
      detail.push(h("p.reason.mb-1", {}, r.detail));
    } else if (item.status === "access_lost") {
      detail.push(h("p.reason.mb-1", {}, r.detail));
    } else if (item.status === "error") {
      detail.push(h("p.reason.mb-1", {}, r.detail));
    }
    const actions = [];
    if (item.status === "refused") {
      actions.push(linkButton(t("Sửa"), editHref(item)), button(t("Bỏ"), () => drop(item), "btn-outline-danger"));
    } else if (item.status === "conflict") {
      actions.push(linkButton(t("Xem và chọn"), `#/conflict/${item.id}`, "btn-warning"));
    } else if (item.status === "pending" || item.status === "error") {
      actions.push(linkButton(t("Sửa"), editHref(item), "btn-outline-secondary"), button(t("Bỏ"), () => drop(item), "btn-outline-danger"));
    } else {
      actions.push(button(t("Xoá khỏi danh sách"), () => forget(item), "btn-outline-secondary"));
    }
    return h(
      `li.card-row.queue-item.status-${item.status}`,
      { "data-item": item.id, "data-status": item.status },
      h("div.queue-main", {},
        h("div", {}, h("strong", {}, item.title), " ", h(`span.badge.status-badge.status-${item.status}`, {}, STATUS[item.status] ? STATUS[item.status]() : item.status)),
        h("small.text-muted", {}, fmt("Ghi lúc %(at)s", { at: when(item.recorded_at) })),
        h("div.queue-result", {}, detail),
      ),
      h("div.actions", {}, actions),
    );
  });

  mount(
    ctx.view,
    h("h1.h4", {}, t("Hàng chờ gửi")),
    notes.map((n) => notice("warning", n.text, " ", button(t("Đã hiểu"), async () => { await data.dismissNotice(n.id); ctx.rerender(); }, "btn-sm btn-outline-secondary"))),
    all.length ? h("ul.list-cards.queue", {}, rows) : h("p.text-muted", {}, t("Hàng chờ trống.")),
  );
}
