// The screens' small toolkit: building DOM without HTML strings, the dates in Hà Nội time (dd/mm/yyyy HH:MM), the
// form fields with their JSON pointers (a server refusal's errors[].pointer lands on its field) and the client's checks.
// `gettext` and `interpolate` are the globals of /jsi18n/ (Django's JavaScriptCatalog, loaded before the modules).

export const TZ = "Asia/Ho_Chi_Minh";
const OFFSET = "+07:00"; // Việt Nam keeps one offset all year

export const t = (text) => (typeof gettext === "function" ? gettext(text) : text);
export const fmt = (text, values) =>
  typeof interpolate === "function"
    ? interpolate(t(text), values, !Array.isArray(values))
    : t(text).replace(/%\((\w+)\)s/g, (_m, k) => String(values[k]));

/** h("button.btn.btn-primary", {type: "button", onclick}, "Gửi lên"): an element, its attributes, its children. */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else if (key === "checked") el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function mount(view, ...children) {
  view.replaceChildren(...children.flat(Infinity).filter(Boolean));
  window.scrollTo(0, 0);
}

// --- Dates -----------------------------------------------------------------------------------------------------------

function parts(date) {
  const out = {};
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  });
  for (const p of f.formatToParts(date)) out[p.type] = p.value;
  return out;
}

/** "20/11/2026 08:30" in Hà Nội time, from an ISO string or a Date; "" for nothing. */
export function when(value) {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const p = parts(date);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** "20/11/2026" from "2026-11-20" (a date without time) or an ISO moment. */
export function day(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  return when(value).slice(0, 10);
}

/** The value of an <input type="datetime-local"> for this moment in Hà Nội time ("2026-11-20T08:30"). */
export function localInput(date = new Date()) {
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** Today in Hà Nội ("2026-11-20"). */
export function today() {
  return localInput().slice(0, 10);
}

/** A datetime-local value read as Hà Nội time, as the API's ISO 8601 with the offset. */
export function isoMoment(input) {
  return input ? `${input.length === 16 ? `${input}:00` : input}${OFFSET}` : "";
}

/** Back from the API's ISO moment to a datetime-local value in Hà Nội time. */
export function inputMoment(iso) {
  return iso ? localInput(new Date(iso)) : "";
}

export const uuid = () =>
  crypto.randomUUID
    ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
        (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
      );

// --- Form fields -----------------------------------------------------------------------------------------------------

let seq = 0;
const nextId = () => `f${++seq}`;

/** A labelled field; `pointer` is its JSON pointer in the body sent (where a refusal's message is shown). */
export function field({ label, pointer, input, help, required }) {
  const id = input.id || (input.id = nextId());
  input.dataset.pointer = pointer;
  if (required) input.dataset.required = "1";
  const isCheck = input.type === "checkbox" || input.type === "radio";
  const errorBox = h("div.invalid-feedback.field-error", { "data-error-for": pointer, hidden: true });
  if (isCheck) {
    input.classList.add("form-check-input");
    return h("div.form-check.field", {}, input, h("label.form-check-label", { for: id }, label), errorBox);
  }
  if (input.tagName === "SELECT") input.classList.add("form-select");
  else input.classList.add("form-control");
  return h(
    "div.field.mb-3",
    {},
    h(required ? "label.form-label.req" : "label.form-label", { for: id }, label),
    input,
    help ? h("div.form-text", {}, help) : null,
    errorBox,
  );
}

export function select(options, value, { blank = true } = {}) {
  return h(
    "select",
    {},
    blank ? h("option", { value: "" }, t("— Chọn —")) : null,
    options.map((o) => h("option", { value: o.code, selected: o.code === value ? true : null }, o.label)),
  );
}

/** A group of checkboxes (forms of abuse, circumstances): one pointer for the list. */
export function checks(options, values, pointer, name) {
  const chosen = new Set(values || []);
  const box = h(
    "div.choice-grid",
    { "data-pointer": pointer, "data-checks": name, role: "group" },
    options.map((o) => {
      const id = nextId();
      return h(
        "div.form-check",
        {},
        h("input.form-check-input", { type: "checkbox", id, value: o.code, name, checked: chosen.has(o.code) }),
        h("label.form-check-label", { for: id }, o.label),
      );
    }),
  );
  return box;
}

export function checked(box) {
  return [...box.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);
}

/** Radio buttons (Cao / Trung bình / Thấp). */
export function radios(options, value, name, pointer) {
  return h(
    "div.rating",
    { role: "radiogroup", "data-pointer": pointer, "data-radios": name },
    options.map((o) => {
      const id = nextId();
      return h(
        "label.rating-choice",
        { for: id },
        h("input", { type: "radio", id, name, value: o.code, checked: o.code === value }),
        " ",
        o.label,
      );
    }),
  );
}

export function radioValue(root, name) {
  const found = root.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`);
  return found ? found.value : "";
}

// --- Errors ----------------------------------------------------------------------------------------------------------

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".is-invalid")) el.classList.remove("is-invalid");
  for (const el of form.querySelectorAll("[data-error-for]")) {
    el.hidden = true;
    el.textContent = "";
  }
  const summary = form.querySelector(".form-summary");
  if (summary) summary.replaceChildren();
}

/**
 * Show [{pointer, message}] on the form, field by field; what has no field of its own (or `detail`) goes into the
 * summary at the top, so nothing the server said is lost. Returns the number shown.
 */
export function showErrors(form, errors, detail) {
  const summary = form.querySelector(".form-summary");
  const loose = [];
  for (const { pointer, message } of errors || []) {
    const target = findPointer(form, pointer);
    if (!target) {
      loose.push(pointer ? `${pointer}: ${message}` : message);
      continue;
    }
    target.classList.add("is-invalid");
    let box = form.querySelector(`[data-error-for="${CSS.escape(target.dataset.pointer)}"]`);
    if (!box) {
      box = h("div.invalid-feedback.field-error", { "data-error-for": target.dataset.pointer });
      target.after(box);
    }
    box.hidden = false;
    box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
  }
  const placed = new Set((errors || []).filter((e) => findPointer(form, e.pointer)).map((e) => e.message));
  if (placed.has(detail)) detail = t("Máy chủ từ chối: xem các trường được đánh dấu.");
  if (summary && (detail || loose.length)) {
    summary.replaceChildren(
      h(
        "div.alert.alert-danger",
        { role: "alert" },
        detail ? h("p.mb-1", {}, detail) : null,
        loose.length ? h("ul.mb-0", {}, loose.map((m) => h("li", {}, m))) : null,
      ),
    );
  }
  const first = form.querySelector(".is-invalid") || summary;
  if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  return (errors || []).length;
}

function findPointer(form, pointer) {
  if (pointer === undefined || pointer === null) return null;
  let p = pointer;
  // "/children/0/carers/1/full_name" → the nearest field the form has ("/children/0/carers" …).
  while (p) {
    const found = form.querySelector(`[data-pointer="${CSS.escape(p)}"]`);
    if (found) return found;
    p = p.slice(0, p.lastIndexOf("/"));
  }
  return null;
}

/** The client's checks: the required fields (data-required) and the dates not in the future (data-not-future). */
export function checkForm(form) {
  const errors = [];
  const now = localInput();
  const todayValue = now.slice(0, 10);
  for (const input of form.querySelectorAll("[data-pointer]")) {
    if (input.closest("[hidden]")) continue;
    const pointer = input.dataset.pointer;
    if (input.dataset.required) {
      const empty = input.dataset.checks
        ? checked(input).length === 0
        : input.dataset.radios
          ? !input.querySelector("input:checked")
          : !String(input.value || "").trim();
      if (empty) {
        errors.push({ pointer, message: input.dataset.requiredMessage || t("Không được để trống.") });
        continue;
      }
    }
    if (input.dataset.notFuture && input.value) {
      const future = input.type === "date" ? input.value > todayValue : input.value > now;
      if (future) errors.push({ pointer, message: t("Không được là một thời điểm trong tương lai.") });
    }
    if (input.dataset.yearNotFuture && input.value && Number(input.value) > Number(todayValue.slice(0, 4))) {
      errors.push({ pointer, message: t("Năm sinh không được ở tương lai.") });
    }
  }
  return errors;
}

export function notice(kind, ...content) {
  return h(`div.alert.alert-${kind}`, { role: kind === "danger" ? "alert" : "status" }, ...content);
}

export function button(label, onclick, cls = "btn-primary", attrs = {}) {
  return h(`button.btn.${cls}.btn-touch`, { type: "button", onclick, ...attrs }, label);
}

export function linkButton(label, href, cls = "btn-outline-primary") {
  return h(`a.btn.${cls}.btn-touch`, { href }, label);
}

/** A <dl> of label → value pairs, skipping the empty values. */
export function facts(pairs) {
  return h(
    "dl.facts",
    {},
    pairs
      .filter(([, value]) => value !== "" && value !== null && value !== undefined)
      .map(([label, value]) => [h("dt", {}, label), h("dd.pre-line", {}, value)]),
  );
}
