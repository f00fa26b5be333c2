// The PIN lock (docs/field.md#the-pin): the lock screen in #lock, the first set-up of a PIN, the idle lock.
// ensureUnlocked() resolves once the store is unlocked; onLocked(callback) tells the app when it locks again.

import { MIN_PIN_DIGITS, StoreError, store, takeWipeNotice, tamperedMessage } from "./store.js";

export const IDLE_MS = 10 * 60 * 1000;
const _ = (text) => gettext(text);

const lockedCallbacks = [];
let waiting = null; // the promise of the lock screen being shown, if it is
let lastActivity = Date.now();
let idleTimer = null;

/** The app re-renders (or clears its screens) when the store locks again: after 10 minutes idle, or "Khoá". */
export function onLocked(callback) {
  lockedCallbacks.push(callback);
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

function body() {
  return document.body.dataset;
}

function screen() {
  return document.getElementById("lock");
}

function showLock(...children) {
  const el = screen();
  el.replaceChildren(...children.filter(Boolean));
  el.hidden = false;
  document.body.classList.add("is-locked");
  const view = document.getElementById("view");
  if (view) view.replaceChildren(); // nothing decrypted stays on the page behind the lock
}

function hideLock() {
  const el = screen();
  el.replaceChildren();
  el.hidden = true;
  document.body.classList.remove("is-locked");
}

function alertBox(kind, text) {
  return h("div", { class: `alert alert-${kind}`, role: "alert", text });
}

function pinInput(id, label) {
  const input = h("input", {
    id,
    name: id,
    type: "password",
    inputmode: "numeric",
    pattern: "[0-9]*",
    autocomplete: "off",
    minlength: String(MIN_PIN_DIGITS),
    required: true,
    class: "form-control pin",
  });
  return [h("label", { for: id, class: "form-label", text: label }), input];
}

/** The profile the set-up needs: who owns the store, the wipe settings. GET /api/v1/field/, or /api/v1/me/ and the
 * defaults while that endpoint is not there. Null offline. */
async function fetchProfile() {
  const response = await fetch(body().apiField, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.ok) {
    const profile = await response.json();
    return { username: profile.user.username, settings: profile.settings || {}, profile };
  }
  if (response.status === 404) {
    const me = await fetch(body().apiMe, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (me.ok) {
      const who = await me.json();
      if (who.person) return { username: who.person.username, settings: {}, profile: null };
    }
  }
  const error = new Error(String(response.status));
  error.status = response.status;
  throw error;
}

function wipeButton(after) {
  const button = h("button", { type: "button", class: "btn btn-danger w-100", text: _("Xoá dữ liệu trên máy") });
  button.addEventListener("click", async () => {
    button.disabled = true;
    await store.wipe("tampered");
    takeWipeNotice();
    after(_("Đã xoá dữ liệu trên máy."));
  });
  return button;
}

/** The tampered store's screen: the message and the wipe button; `after` runs once wiped. */
function tamperedScreen(after) {
  showLock(
    h("h1", { class: "h4", text: _("Không đọc được dữ liệu trên máy") }),
    alertBox("danger", tamperedMessage()),
    wipeButton(after),
  );
}

/** Shows the tampered message (the app calls it when a store.get() rejects StoreError "tampered"); resolves once
 * the store is wiped and a new PIN set up. */
export function showStoreError(error) {
  if (!(error instanceof StoreError) || error.code !== "tampered") throw error;
  store.lock();
  stopIdleWatch();
  waiting = new Promise((resolve) => tamperedScreen((message) => setupScreen(resolve, message))).finally(() => {
    waiting = null;
  });
  return waiting;
}

function setupScreen(resolve, message = null) {
  const form = h("form", { class: "vstack gap-2", novalidate: true });
  const status = h("div", { "aria-live": "polite" });
  const [label1, pin1] = pinInput("pin-new", _("Mã PIN mới (ít nhất 6 chữ số)"));
  const [label2, pin2] = pinInput("pin-again", _("Nhập lại mã PIN"));
  const submit = h("button", { type: "submit", class: "btn btn-primary w-100", text: _("Tạo mã PIN") });
  form.append(label1, pin1, label2, pin2, status, submit);
  showLock(
    h("h1", { class: "h4", text: _("Tạo mã PIN cho máy này") }),
    message ? alertBox("warning", message) : null,
    h("p", {
      class: "text-body-secondary",
      text: _(
        "Dữ liệu ghi trên máy được mã hoá bằng mã PIN này. Không ai khôi phục được mã PIN: nếu quên, dữ liệu " +
          "chưa gửi lên sẽ mất. Đừng dùng ngày sinh hay dãy số dễ đoán.",
      ),
    }),
    form,
  );
  pin1.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const say = (kind, text) => status.replaceChildren(alertBox(kind, text));
    if (!new RegExp(`^[0-9]{${MIN_PIN_DIGITS},}$`).test(pin1.value)) {
      say("danger", interpolate(_("Mã PIN phải gồm ít nhất %s chữ số."), [MIN_PIN_DIGITS]));
      return;
    }
    if (pin1.value !== pin2.value) {
      say("danger", _("Hai lần nhập mã PIN không khớp."));
      return;
    }
    submit.disabled = true;
    say("info", _("Đang tạo mã PIN…"));
    let who;
    try {
      who = await fetchProfile();
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401 || error.status === 403) {
        say("danger", _("Phiên đăng nhập đã hết: hãy đăng nhập lại trên trang web rồi mở lại ứng dụng."));
      } else {
        say("danger", _("Lần đầu dùng trên máy này cần có mạng để tải thông tin tài khoản. Hãy kết nối rồi thử lại."));
      }
      return;
    }
    try {
      await store.setup(pin1.value, {
        owner: who.username,
        wipeDays: who.settings.wipe_days,
        maxAttempts: who.settings.pin_attempts,
      });
      if (who.profile) {
        const { csrf: _csrf, ...profile } = who.profile;
        await store.put("profile", "me", profile);
      }
    } catch (error) {
      submit.disabled = false;
      say("danger", error.message);
      return;
    }
    pin1.value = "";
    pin2.value = "";
    finish(resolve);
  });
}

function unlockScreen(resolve, message = null, owner = null) {
  const form = h("form", { class: "vstack gap-2", novalidate: true });
  const status = h("div", { "aria-live": "polite" });
  if (message) status.append(alertBox("warning", message));
  const [label, pin] = pinInput("pin", _("Mã PIN"));
  const submit = h("button", { type: "submit", class: "btn btn-primary w-100", text: _("Mở khoá") });
  const forgot = h("button", { type: "button", class: "btn btn-link w-100", text: _("Quên mã PIN?") });
  form.append(label, pin, status, submit);
  showLock(
    h("h1", { class: "h4", text: _("Nhập mã PIN để mở khoá") }),
    owner ? h("p", { class: "text-body-secondary", text: interpolate(_("Tài khoản: %s"), [owner]) }) : null,
    form,
    forgot,
  );
  pin.focus();
  forgot.addEventListener("click", async () => {
    const meta = await store.meta();
    const pending = meta ? meta.pending : 0;
    const question = pending
      ? interpolate(_("Xoá dữ liệu trên máy? %s mục chưa gửi lên sẽ mất."), [pending])
      : _("Xoá dữ liệu trên máy để tạo mã PIN mới?");
    if (!window.confirm(question)) return;
    await store.wipe("user");
    takeWipeNotice();
    setupScreen(resolve, _("Đã xoá dữ liệu trên máy."));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const say = (kind, text) => status.replaceChildren(alertBox(kind, text));
    submit.disabled = true;
    say("info", _("Đang mở khoá…"));
    try {
      await store.unlock(pin.value);
    } catch (error) {
      pin.value = "";
      submit.disabled = false;
      if (error instanceof StoreError && error.code === "wrong_pin") {
        say("danger", error.message);
        pin.focus();
      } else if (error instanceof StoreError && (error.code === "wiped" || error.code === "empty")) {
        takeWipeNotice();
        setupScreen(resolve, error.message);
      } else {
        say("danger", error.message);
      }
      return;
    }
    pin.value = "";
    try {
      await store.check();
    } catch (error) {
      if (error instanceof StoreError && error.code === "tampered") {
        store.lock();
        tamperedScreen((text) => setupScreen(resolve, text));
        return;
      }
      throw error;
    }
    finish(resolve);
  });
}

function finish(resolve) {
  hideLock();
  lastActivity = Date.now();
  startIdleWatch();
  resolve();
}

/** Resolves once the store is unlocked: the PIN set-up the first time, the PIN prompt after. */
export function ensureUnlocked() {
  if (!waiting) {
    waiting = prompt().finally(() => {
      waiting = null;
    });
  }
  return waiting;
}

async function prompt() {
  const state = await store.state(); // runs the stale-wipe rule
  if (state === "unlocked") {
    lastActivity = Date.now();
    startIdleWatch();
    return;
  }
  const notice = takeWipeNotice();
  const owner = state === "locked" ? await store.owner() : null;
  await new Promise((resolve) => {
    if (state === "empty") setupScreen(resolve, notice ? notice.message : null);
    else unlockScreen(resolve, null, owner);
  });
}

/** Locks now (the "Khoá" button, the idle timer): forgets the key, clears the screen, asks for the PIN again. */
export async function lockNow() {
  await store.lock();
  stopIdleWatch();
  for (const callback of lockedCallbacks) {
    try {
      callback();
    } catch (error) {
      console.error(error);
    }
  }
  await ensureUnlocked();
}

function touch() {
  lastActivity = Date.now();
}

function checkIdle() {
  if (!store.isUnlocked()) return;
  if (Date.now() - lastActivity >= IDLE_MS) lockNow();
}

function startIdleWatch() {
  if (idleTimer !== null) return;
  idleTimer = window.setInterval(checkIdle, 15 * 1000);
}

function stopIdleWatch() {
  if (idleTimer !== null) window.clearInterval(idleTimer);
  idleTimer = null;
}

for (const type of ["pointerdown", "keydown", "touchstart", "input", "scroll"]) {
  window.addEventListener(type, touch, { passive: true, capture: true });
}
// A phone asleep or the app in the background: timers stop; the time passed is checked on return.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") checkIdle();
});
