"""Playwright helpers for the offline field app (/field/, docs/field.md), shared by its browser tests: a phone-sized
context with service workers allowed, logging in and opening the app, setting up and entering the PIN, calling the
store's module from the page, and a dump of the raw IndexedDB records and the service worker's caches (to assert
what the device holds in the clear)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from .journey import TIMEOUT_MS

FIELD_PHONE = {"width": 390, "height": 844}
DB_NAME = "childprotect-field"
STORE_MODULE = "/static/field/js/store.js"
PIN = "493817"


def field_context(browser: Any) -> Any:
    """A phone at 390 x 844, Vietnamese, Ha Noi's time zone, service workers allowed."""
    context = browser.new_context(
        viewport=FIELD_PHONE,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        service_workers="allow",
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def log_in_phone(page: Any, base_url: str, username: str, password: str) -> None:
    """Through the web's login form (at phone width the menu, and its logout button, is folded: wait for home)."""
    base = base_url.rstrip("/")
    page.goto(base + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/")


def open_menu(page: Any) -> Any:
    """At phone width, unfold the web's menu and wait for the end of its animation (Bootstrap's `collapsing`, then
    `collapse show`): a click while it unfolds lands where the button was a moment before. Returns the navbar."""
    navbar = page.get_by_label("Điều hướng chính")
    navbar.get_by_role("button", name="Mở menu").click()
    expect(page.locator("#nav-main")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    return navbar


def open_field(page: Any, base_url: str, username: str, password: str) -> None:
    """Logs in through the web form, opens /field/ and waits until its service worker controls the page."""
    base = base_url.rstrip("/")
    log_in_phone(page, base, username, password)
    page.goto(base + "/field/")
    wait_for_worker(page)


def wait_for_worker(page: Any) -> None:
    """The service worker installed (the precache filled), active and controlling this page."""
    state = page.evaluate("navigator.serviceWorker.ready.then((r) => r.active && r.active.state)")
    assert state in ("activating", "activated"), state
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def set_up_pin(page: Any, pin: str = PIN) -> None:
    """The first-time screen: the PIN twice; waits until the app is unlocked."""
    lock = page.locator("#lock")
    expect(lock.get_by_role("heading", name="Tạo mã PIN cho máy này")).to_be_visible()
    lock.get_by_label("Mã PIN mới (ít nhất 6 chữ số)").fill(pin)
    lock.get_by_label("Nhập lại mã PIN").fill(pin)
    lock.get_by_role("button", name="Tạo mã PIN").click()
    expect(lock).to_be_hidden(timeout=60_000)


def enter_pin(page: Any, pin: str = PIN) -> None:
    """The lock screen's PIN prompt: types the PIN and submits (waits for nothing: the caller expects the outcome)."""
    lock = page.locator("#lock")
    expect(lock.get_by_role("heading", name="Nhập mã PIN để mở khoá")).to_be_visible()
    lock.get_by_label("Mã PIN", exact=True).fill(pin)
    lock.get_by_role("button", name="Mở khoá").click()


def unlock(page: Any, pin: str = PIN) -> None:
    """Enters the right PIN and waits until the lock screen is gone."""
    enter_pin(page, pin)
    expect(page.locator("#lock")).to_be_hidden(timeout=60_000)


def store_call(page: Any, body: str, arg: Any = None) -> Any:
    """Runs `body` (async JavaScript with `store`, `StoreError` and `arg` in scope) against the page's own store
    module (the same module instance as the app's: the key the lock screen derived is there)."""
    module = json.dumps(STORE_MODULE)
    script = "async (arg) => { const { store, StoreError } = await import(" + module + "); " + body + " }"
    return page.evaluate(script, arg)


_RAW_DUMP = """async (name) => {
  const all = await indexedDB.databases();
  if (!all.some((d) => d.name === name)) return null;
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
  });
  const plain = (v) => {
    if (v instanceof ArrayBuffer) v = new Uint8Array(v);
    if (ArrayBuffer.isView(v)) {
      return { __bytes__: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  const out = {};
  for (const storeName of Array.from(db.objectStoreNames)) {
    const s = db.transaction(storeName, "readonly").objectStore(storeName);
    const get = (r) => new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
    });
    const keys = await get(s.getAllKeys());
    const values = await get(s.getAll());
    out[storeName] = keys.map((k, i) => [k, plain(values[i])]);
  }
  db.close();
  return out;
}"""


def raw_idb(page: Any) -> dict[str, list[Any]] | None:
    """The field store's raw contents as IndexedDB holds them ({store: [[key, value]]}, byte arrays as
    {"__bytes__": [...]}), or None when the database does not exist (never creates it)."""
    result: dict[str, list[Any]] | None = page.evaluate(_RAW_DUMP, DB_NAME)
    return result


def _blobs(value: Any) -> list[bytes]:
    if isinstance(value, dict):
        if "__bytes__" in value:
            return [bytes(value["__bytes__"])]
        return [b for v in value.values() for b in _blobs(v)]
    if isinstance(value, list):
        return [b for v in value for b in _blobs(v)]
    return []


def raw_holds(dump: Any, text: str) -> bool:
    """Whether `text` appears in the dump: in its keys and plain values, or inside any of its byte arrays (UTF-8)."""
    if dump is None:
        return False
    if text.lower() in json.dumps(dump, ensure_ascii=False).lower():
        return True
    needle = text.encode()
    return any(needle in blob for blob in _blobs(dump))


def database_exists(page: Any) -> bool:
    return bool(page.evaluate("async (n) => (await indexedDB.databases()).some((d) => d.name === n)", DB_NAME))


_CACHE_DUMP = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out[name].push({ url: request.url, body: await response.text() });
    }
  }
  return out;
}"""


def cache_dump(page: Any) -> dict[str, list[dict[str, str]]]:
    """Every CacheStorage cache of the origin: {cache name: [{url, body}]}."""
    result: dict[str, list[dict[str, str]]] = page.evaluate(_CACHE_DUMP)
    return result


def flip_record_byte(page: Any, key: str) -> None:
    """Tampers with one record of the raw store: one bit of its ciphertext flipped."""
    page.evaluate(
        """async ([name, key]) => {
          const db = await new Promise((resolve, reject) => {
            const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
          });
          const tx = db.transaction("records", "readwrite");
          const s = tx.objectStore("records");
          const record = await new Promise((resolve) => {
            const r = s.get(key); r.onsuccess = () => resolve(r.result);
          });
          const ct = new Uint8Array(record.ct);
          ct[ct.length >> 1] ^= 0x01;
          s.put({ ...record, ct }, key);
          await new Promise((resolve) => { tx.oncomplete = resolve; });
          db.close();
        }""",
        [DB_NAME, key],
    )


def edit_meta(page: Any, change: dict[str, Any]) -> None:
    """Changes the raw plaintext meta (as a device owner with devtools could): `change`'s values are JavaScript
    expressions evaluated in the page (e.g. {"lastSync": "Date.now() - 8 * 86400000"})."""
    assignments = ", ".join(f"{json.dumps(k)}: ({v})" for k, v in change.items())
    page.evaluate(
        """async (name) => {
          const db = await new Promise((resolve, reject) => {
            const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
          });
          const tx = db.transaction("meta", "readwrite");
          const s = tx.objectStore("meta");
          const meta = await new Promise((resolve) => {
            const r = s.get("meta"); r.onsuccess = () => resolve(r.result);
          });
          s.put({ ...meta, ASSIGNMENTS }, "meta");
          await new Promise((resolve) => { tx.oncomplete = resolve; });
          db.close();
        }""".replace("ASSIGNMENTS", assignments),
        DB_NAME,
    )


def answer_dialog(page: Any, action: Any, *, accept: bool) -> str:
    """Does `action` (a callable), which must raise a confirm() dialog (possibly after awaiting something); accepts or
    dismisses it; returns its message."""
    messages: list[str] = []

    def answer(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    action()
    for _ in range(200):
        if messages:
            return messages[0]
        page.wait_for_timeout(50)
    raise AssertionError("no dialog")


def wait_until(page: Any, predicate: str, arg: Any = None, timeout_ms: int = TIMEOUT_MS) -> None:
    """Evaluates the (possibly async) JavaScript `predicate` until it is true (page.wait_for_function takes a promise
    for a true value and would not wait)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(predicate, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {predicate}")
