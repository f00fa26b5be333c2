// The field app's entry (docs/field.md#screens): the shell's header (shell.js), the store unlocked (lock.js), then the
// hash router over the screens.
// Sync runs on "Gửi lên", whenever the browser comes back online, and at the opening when work waits and the
// browser is online; its outcome is shown above the screen.

import { api, NetworkError, setCsrf } from "./api.js";
import * as data from "./data.js";
import { ensureUnlocked, onLocked } from "./lock.js";
import { startShell } from "./shell.js";
import { store } from "./store.js";
import { describe, isSyncing, sync } from "./sync.js";
import { fmt, h, notice, t } from "./ui.js";
import { caseScreen } from "./screens/case.js";
import { casesScreen } from "./screens/cases.js";
import { childScreen } from "./screens/child.js";
import { conflictScreen } from "./screens/conflict.js";
import { homeScreen } from "./screens/home.js";
import { queueScreen } from "./screens/queue.js";
import { reportScreen } from "./screens/report.js";

const ROUTES = [
  [/^\/?$/, homeScreen, []],
  [/^\/report$/, reportScreen, []],
  [/^\/child$/, childScreen, []],
  [/^\/cases$/, casesScreen, []],
  [/^\/case\/(\d+)$/, caseScreen, ["id"]],
  [/^\/queue$/, queueScreen, []],
  [/^\/conflict\/([\w-]+)$/, conflictScreen, ["id"]],
];
// Screens that only show what is stored: drawn again when the data changes (never a form being filled in).
const LIVE = new Set([homeScreen, queueScreen, casesScreen, conflictScreen]);

const view = document.getElementById("view");
let flashMessage = null;
let current = null;
let unlocked = false;

function flashBox() {
  let box = document.getElementById("app-flash");
  if (!box) {
    box = h("div", { id: "app-flash", "aria-live": "polite" });
    view.before(box);
  }
  return box;
}

function flash(message, kind = "success") {
  flashMessage = { message, kind };
}

function showFlash() {
  const box = flashBox();
  if (!flashMessage) {
    box.replaceChildren();
    return;
  }
  const { message, kind } = flashMessage;
  flashMessage = null;
  box.replaceChildren(notice(kind, message));
}

function parse(hash) {
  const raw = (hash || "").replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  for (const [pattern, screen, names] of ROUTES) {
    const m = pattern.exec(path);
    if (m) {
      const params = Object.fromEntries(new URLSearchParams(query));
      names.forEach((name, n) => {
        params[name] = decodeURIComponent(m[n + 1]);
      });
      return { screen, params, path };
    }
  }
  return { screen: homeScreen, params: {}, path: "/" };
}

function markTabs(path) {
  for (const a of document.querySelectorAll("#tabs a")) {
    const target = (a.getAttribute("href") || "").replace(/^#/, "");
    const active = target === path || (target !== "/" && path.startsWith(target));
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function render() {
  if (!unlocked) return;
  const route = parse(location.hash);
  current = route;
  markTabs(route.path);
  showFlash();
  const profile = await data.profile();
  if (!profile) {
    view.replaceChildren(notice("warning", t("Chưa có danh mục và quyền của tài khoản trên máy này: cần kết nối mạng một lần rồi bấm “Gửi lên”.")));
    return;
  }
  const ctx = {
    view,
    profile,
    params: route.params,
    flash,
    go: (hash) => {
      if (location.hash === hash) render();
      else location.hash = hash;
    },
    rerender: () => render(),
  };
  try {
    await route.screen(ctx);
  } catch (error) {
    if (error && error.code === "tampered") {
      view.replaceChildren(notice("danger", t("Dữ liệu trên máy không đọc được (có thể đã bị sửa đổi). Hãy khoá rồi mở lại bằng mã PIN.")));
      return;
    }
    throw error;
  }
}

async function updatePending() {
  const pending = document.getElementById("pending");
  if (!pending || !unlocked) return;
  // The plaintext count data.js writes on every change of the queue (and the sync at its end): shown, not recounted.
  const meta = await store.meta();
  const n = (meta && meta.pending) || 0;
  pending.textContent = n ? fmt("%(n)s chưa gửi", { n }) : t("Đã gửi hết");
  pending.dataset.count = String(n);
  pending.hidden = false;
  const button = document.getElementById("sync-now");
  if (button) button.disabled = isSyncing();
}

async function syncNow() {
  if (!unlocked) return;
  const result = await sync();
  const { message, kind } = describe(result);
  flash(message, kind);
  const route = parse(location.hash);
  if (LIVE.has(route.screen) || route.screen === current?.screen) await render();
}

/** The profile (and a fresh CSRF token) when online at start; the sync reads it again each time. */
async function freshProfile() {
  if (!navigator.onLine) return;
  try {
    const answer = await api.field();
    if (answer.status !== 200 || !answer.data) return;
    const owner = await store.owner();
    if (owner && answer.data.user && answer.data.user.username !== owner) return;
    setCsrf(answer.data.csrf);
    await data.saveProfile(answer.data);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
  }
}

async function start() {
  startShell();
  await ensureUnlocked();
  unlocked = true;
  const hadProfile = await data.profile();
  if (!hadProfile) await freshProfile();
  else freshProfile().then(() => updatePending());
  window.addEventListener("hashchange", () => render());
  data.onChange(() => updatePending());
  const button = document.getElementById("sync-now");
  if (button) button.addEventListener("click", () => syncNow());
  window.addEventListener("online", () => {
    if (unlocked) syncNow();
  });
  onLocked(async () => {
    unlocked = false;
    view.replaceChildren();
    flashBox().replaceChildren();
    await ensureUnlocked();
    unlocked = true;
    await updatePending();
    await render();
  });
  await updatePending();
  await render();
  // Opened with signal and work waiting to go up: send it now, as on coming back online.
  const waiting = (await data.items()).some((i) => i.status === "pending" || i.status === "error");
  if (waiting && navigator.onLine) syncNow();
}

start();
