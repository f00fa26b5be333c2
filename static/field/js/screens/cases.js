// #/cases: the carried cases (from the device) and, online, the officer's cases (GET /api/v1/cases/) to carry.

import { api, NetworkError } from "../api.js";
import * as data from "../data.js";
import { carryCase } from "../sync.js";
import { button, fmt, h, mount, notice, t, when } from "../ui.js";

export async function casesScreen(ctx) {
  const carried = (await data.carried()).filter((c) => c.detail && c.detail.state); // a copy as the sync keeps it
  const queue = await data.items();
  const carriedIds = new Set(carried.map((c) => String(c.id)));
  const status = h("div.form-summary", { "aria-live": "polite" });

  async function uncarry(id) {
    const open = queue.filter((i) => String(i.case_id) === String(id) && data.UNSENT.has(i.status));
    if (open.length && !window.confirm(fmt("Hồ sơ này còn %(n)s việc chưa gửi. Vẫn bỏ mang theo? Các việc đó vẫn ở trong hàng chờ.", { n: open.length }))) return;
    await data.uncarry(id);
    ctx.rerender();
  }

  async function carry(id, btn) {
    btn.disabled = true;
    try {
      const error = await carryCase(id);
      if (error) {
        status.replaceChildren(notice("danger", error));
        btn.disabled = false;
        return;
      }
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      status.replaceChildren(notice("warning", t("Không kết nối được máy chủ; thử lại khi có mạng.")));
      btn.disabled = false;
      return;
    }
    ctx.flash(t("Đã mang theo hồ sơ: xem được khi không có mạng."));
    ctx.rerender();
  }

  const carriedList = carried.length
    ? h("ul.list-cards", {}, carried.map((c) =>
        h("li.card-row", { "data-case": c.id },
          h("a.row-link", { href: `#/case/${c.id}` },
            h("strong", {}, fmt("Hồ sơ số %(id)s", { id: c.id })), " · ", c.detail.report ? c.detail.report.reference : "",
            h("br"),
            h("span", {}, c.detail.state.label),
            c.detail.child ? [" · ", c.detail.child.full_name] : null,
            h("br"),
            h("small.text-muted", {}, fmt("Mang theo lúc %(when)s, cập nhật lúc %(refreshed)s", { when: when(c.carried_at), refreshed: when(c.refreshed_at || c.carried_at) })),
          ),
          button(t("Bỏ mang theo"), () => uncarry(c.id), "btn-outline-danger"),
        )))
    : h("p.text-muted", {}, t("Chưa mang theo hồ sơ nào."));

  const online = h("section.card-section", {}, h("h2.h5", {}, t("Hồ sơ bạn phụ trách (trực tuyến)")));
  mount(ctx.view,
    h("h1.h4", {}, t("Hồ sơ")),
    status,
    h("section.card-section", {}, h("h2.h5", {}, t("Hồ sơ mang theo")), carriedList),
    online,
  );

  if (!navigator.onLine) {
    online.append(h("p.text-muted", {}, t("Cần có mạng để xem danh sách hồ sơ và mang theo hồ sơ khác.")));
    return;
  }
  online.append(h("p.text-muted", {}, t("Đang tải…")));
  let answer;
  try {
    answer = await api.cases();
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    online.lastChild.replaceWith(h("p.text-muted", {}, t("Không kết nối được máy chủ.")));
    return;
  }
  if (answer.status !== 200 || !answer.data) {
    online.lastChild.replaceWith(notice("warning", (answer.data && answer.data.detail) || fmt("Không đọc được danh sách (mã %(status)s).", { status: answer.status })));
    return;
  }
  const rows = answer.data.results || [];
  online.lastChild.replaceWith(
    rows.length
      ? h("ul.list-cards", {}, rows.map((row) =>
          h("li.card-row", { "data-case": row.id },
            h("div", {},
              h("strong", {}, fmt("Hồ sơ số %(id)s", { id: row.id })), " · ", row.reference, h("br"),
              row.state.label, row.child ? [" · ", row.child.full_name] : null, h("br"),
              h("small.text-muted", {}, row.commune.name, row.officer ? [" · ", row.officer.name] : null,
                row.next_due ? [" · ", row.next_due.label, " ", when(row.next_due.at)] : null),
            ),
            carriedIds.has(String(row.id))
              ? button(t("Bỏ mang theo"), () => uncarry(row.id), "btn-outline-danger")
              : button(t("Mang theo"), (e) => carry(row.id, e.currentTarget), "btn-primary"),
          )))
      : h("p.text-muted", {}, t("Không có hồ sơ nào.")),
  );
}
