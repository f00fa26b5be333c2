// The shell's header (docs/field.md): the network badge (#net), "Khoá" (#lock-now), "Đăng xuất" (#logout), and the
// service worker's registration. app.js calls startShell() once; the screens in #view are the app's.

import { lockNow } from "./lock.js";
import { store } from "./store.js";

const data = () => document.body.dataset;

function showNetwork() {
  const net = document.getElementById("net");
  if (!net) return;
  const online = navigator.onLine;
  net.textContent = online ? gettext("Trực tuyến") : gettext("Ngoại tuyến");
  net.className = online ? "badge text-bg-light" : "badge text-bg-secondary";
}

/** The CSRF token for the web logout: the API's fresh one, else the csrftoken cookie. */
async function csrfToken() {
  try {
    const response = await fetch(data().apiField, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) {
      const profile = await response.json();
      if (profile.csrf) return profile.csrf;
    }
  } catch {
    /* offline or refused: the cookie below */
  }
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** "Đăng xuất": warns about unsent items, wipes the store, signs out of the web session, goes to the login page. */
export async function logout() {
  let pending = 0;
  try {
    const meta = await store.meta();
    pending = meta ? meta.pending : 0;
  } catch {
    /* no store: nothing to lose */
  }
  if (pending > 0) {
    const question = interpolate(
      gettext("Còn %s mục chưa gửi lên hệ thống. Đăng xuất sẽ xoá chúng khỏi máy này. Vẫn đăng xuất?"),
      [pending],
    );
    if (!window.confirm(question)) return false;
  }
  await store.wipe("logout");
  if (navigator.onLine) {
    try {
      const token = await csrfToken();
      await fetch(data().logout, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token },
        redirect: "manual",
      });
    } catch {
      /* the server is out of reach: the data on the device is gone all the same */
    }
    window.location.assign(data().login);
    return true;
  }
  const view = document.getElementById("view");
  const link = document.createElement("a");
  link.href = data().web;
  link.textContent = gettext("Trang web");
  const note = document.createElement("div");
  note.className = "alert alert-info";
  note.setAttribute("role", "status");
  note.textContent = gettext(
    "Đã xoá dữ liệu trên máy. Máy đang ngoại tuyến nên phiên đăng nhập trên máy chủ chưa kết thúc: " +
      "khi có mạng, hãy đăng xuất trên trang web.",
  );
  note.append(" ", link);
  document.getElementById("lock").hidden = true;
  view.replaceChildren(note);
  return true;
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return null;
  try {
    return await navigator.serviceWorker.register(data().sw, { scope: data().scope });
  } catch (error) {
    console.error(error);
    return null;
  }
}

let started = false;

/** Wires the header once: the network badge, the lock button, the logout; registers the service worker. */
export function startShell() {
  if (started) return;
  started = true;
  showNetwork();
  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
  document.getElementById("lock-now")?.addEventListener("click", () => lockNow());
  document.getElementById("logout")?.addEventListener("click", () => logout());
  registerWorker();
}
