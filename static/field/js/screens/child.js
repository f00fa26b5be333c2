// #/child: register a child offline (POST /api/v1/children/ once sent); #/child?item=<id> edits a queued one.

import * as data from "../data.js";
import { checkForm, clearErrors, fmt, h, mount, notice, showErrors, t, when } from "../ui.js";
import { childChecks, childFields, readChild } from "./childform.js";

export async function childScreen(ctx) {
  const { profile } = ctx;
  if (!profile.may || !profile.may.register_child) {
    mount(ctx.view, notice("warning", t("Vai trò của bạn không đăng ký trẻ em.")));
    return;
  }
  const editing = ctx.params.item ? await data.item(ctx.params.item) : null;
  if (ctx.params.item && (!editing || !editing.body)) {
    mount(ctx.view, notice("warning", t("Không còn mục này trong hàng chờ.")));
    return;
  }
  const form = h(
    "form.field-form",
    { novalidate: true },
    h("h1.h4", {}, editing ? t("Sửa đăng ký trẻ em trong hàng chờ") : t("Đăng ký trẻ em")),
    h("div.form-summary"),
    h("section.card-section", {}, childFields(profile, "", editing ? editing.body : {}, { full: true })),
    h("div.actions", {},
      h("button.btn.btn-primary.btn-touch", { type: "submit" }, editing ? t("Lưu thay đổi") : t("Lưu vào hàng chờ")),
      h("a.btn.btn-outline-secondary.btn-touch", { href: editing ? "#/queue" : "#/" }, t("Huỷ")),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const child = readChild(form, "", { full: true });
    const errors = [...checkForm(form), ...childChecks(child, "")];
    if (errors.length) {
      showErrors(form, errors, t("Chưa lưu: kiểm tra các trường được đánh dấu."));
      return;
    }
    const now = new Date().toISOString();
    const title = fmt("Đăng ký trẻ em %(when)s", { when: when(editing ? editing.created_at : now) });
    if (editing) await data.saveItem({ ...editing, body: child, title, status: "pending", result: null });
    else await data.enqueue({ kind: "child", title, body: child, recorded_at: now });
    ctx.flash(t("Đã lưu đăng ký trẻ em trên máy (đã mã hoá). Bấm “Gửi lên” khi có mạng."));
    ctx.go("#/queue");
  });
  mount(ctx.view, form);
  if (editing && editing.status === "refused" && editing.result) showErrors(form, editing.result.errors, editing.result.detail);
}
