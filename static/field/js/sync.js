// Sending the queue up (docs/field.md#sync). First GET /api/v1/field/ (a fresh CSRF token; the account must be the
// store's owner), then each unsent item in the order it was recorded, with its own Idempotency-Key:
//   201 → sent (the body deleted, a receipt kept)          400 → refused (the server's reasons kept, to edit or drop)
//   409 → conflict (the server's case kept, side by side)   404 on a step → access lost (the carried case removed)
//   401/403 → stop, nothing removed                         no answer → stays pending (the next sync tries again)
// Then the carried cases and the profile are read again, store.markSynced() and store.setPending(n).

import { api, NetworkError, setCsrf } from "./api.js";
import * as data from "./data.js";
import { store } from "./store.js";
import { fmt, t } from "./ui.js";

let running = null;
let lastOutcome = null;

export function outcome() {
  return lastOutcome;
}

export function isSyncing() {
  return running !== null;
}

const STOP_SESSION = () =>
  t(
    "Phiên đăng nhập đã hết hoặc tài khoản không còn hoạt động. Chưa gửi được gì; dữ liệu trên máy vẫn được giữ nguyên. " +
      "Hãy đăng nhập lại trên trình duyệt này rồi bấm “Gửi lên”, hoặc liên hệ quản trị viên.",
  );

/** Sync now (one at a time: a second call while one runs gets the same promise). */
export function sync({ only = null } = {}) {
  if (!running) {
    running = run(only).finally(() => {
      running = null;
      data.changed();
    });
    data.changed();
  }
  return running;
}

async function run(only) {
  const result = { at: new Date().toISOString(), sent: 0, refused: 0, conflict: 0, lost: 0, pending: 0, stop: null };
  lastOutcome = result;
  if (!navigator.onLine) {
    result.stop = t("Máy đang ngoại tuyến: các mục chờ gửi sẽ được gửi khi có mạng.");
    return result;
  }
  let field;
  try {
    field = await api.field();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    result.stop = t("Không kết nối được máy chủ: các mục vẫn chờ gửi, sẽ thử lại khi có mạng.");
    return result;
  }
  if (field.status === 401 || field.status === 403) {
    result.stop = STOP_SESSION();
    return result;
  }
  if (field.status !== 200 || !field.data) {
    result.stop = fmt("Máy chủ trả lời lỗi %(status)s: các mục vẫn chờ gửi.", { status: field.status });
    return result;
  }
  const owner = await store.owner();
  if (owner && field.data.user && field.data.user.username !== owner) {
    result.stop = fmt(
      "Máy này đang giữ dữ liệu của tài khoản %(owner)s, nhưng trình duyệt đang đăng nhập bằng tài khoản %(user)s. " +
        "Không gửi gì: hãy đăng nhập lại bằng tài khoản %(owner)s.",
      { owner, user: field.data.user.username },
    );
    return result;
  }
  setCsrf(field.data.csrf);

  const queue = (await data.items()).filter((i) => i.status === "pending" || i.status === "error");
  const chained = new Map(); // case id → {from, to}: the officer's own earlier step is not a conflict
  for (const entry of queue) {
    if (only && entry.id !== only) continue;
    const current = await data.item(entry.id); // as stored now (a screen may have changed it)
    if (!current || (current.status !== "pending" && current.status !== "error")) continue;
    let answer;
    try {
      if (current.kind === "step") {
        const hop = chained.get(String(current.case_id));
        if (hop && current.body.version === hop.from) {
          current.body = { ...current.body, version: hop.to };
          current.base_version = hop.to;
        }
      }
      answer = await send(current);
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      result.stop = t("Mất kết nối khi đang gửi: các mục còn lại vẫn chờ gửi, sẽ thử lại khi có mạng.");
      break;
    }
    const { status, data: body } = answer;
    if (status === 401 || status === 403) {
      result.stop = STOP_SESSION();
      break;
    }
    if (status === 201 || status === 200) {
      await markSent(current, body);
      if (current.kind === "step" && body && body.case) {
        chained.set(String(current.case_id), { from: current.body.version, to: body.case.version });
        const copy = await data.carriedCase(current.case_id);
        if (copy) await data.carry(current.case_id, body.case, copy.child);
      }
      result.sent += 1;
    } else if (status === 409 && body && body.case) {
      current.status = "conflict";
      current.result = { detail: body.detail, code: body.code || "conflict", case: body.case, at: now() };
      await data.saveItem(current);
      result.conflict += 1;
    } else if (status === 404 && current.kind === "step") {
      await accessLost(current, body);
      result.lost += 1;
    } else if (status === 400 || status === 409 || status === 404 || status === 413 || status === 422) {
      current.status = "refused";
      current.result = {
        detail: (body && body.detail) || fmt("Máy chủ từ chối (mã %(status)s).", { status }),
        code: (body && body.code) || "invalid",
        errors: (body && body.errors) || [],
        at: now(),
      };
      await data.saveItem(current);
      result.refused += 1;
    } else {
      current.status = "error";
      current.result = {
        detail: (body && body.detail) || fmt("Máy chủ trả lời lỗi %(status)s; sẽ thử lại lần gửi sau.", { status }),
        at: now(),
      };
      await data.saveItem(current);
    }
  }

  if (!result.stop) {
    await refresh(field.data);
    await store.markSynced();
  }
  result.pending = await data.countPending();
  return result;
}

function now() {
  return new Date().toISOString();
}

function send(entry) {
  if (entry.kind === "report") return api.report(entry.body, entry.key);
  if (entry.kind === "child") return api.registerChild(entry.body, entry.key);
  return api.step(entry.case_id, entry.body, entry.key);
}

async function markSent(entry, body) {
  const receipt = { item: entry.id, kind: entry.kind, at: now() };
  if (entry.kind === "report") {
    receipt.reference = body && body.reference;
  } else if (entry.kind === "child") {
    receipt.id = body && body.id;
    receipt.url = body && body.url;
  } else {
    receipt.case_id = entry.case_id;
    receipt.step = body && body.step ? { id: body.step.id, label: body.step.label, at: body.step.at } : null;
  }
  await data.keepReceipt(receipt);
  const { body: _sent, ...rest } = entry; // the content leaves the device once the server has it
  await data.saveItem({ ...rest, status: "sent", result: receipt });
}

async function accessLost(entry, body) {
  const detail = fmt(
    "Bạn không còn quyền với hồ sơ số %(id)s (hồ sơ đã chuyển đi hoặc quyền xem đã bị thu hồi): việc “%(title)s” " +
      "không được ghi lên hệ thống, bản lưu trên máy của hồ sơ đã bị xoá.",
    { id: entry.case_id, title: entry.title },
  );
  await data.uncarry(entry.case_id);
  const { body: _gone, ...rest } = entry;
  await data.saveItem({ ...rest, status: "access_lost", result: { detail, server: body && body.detail, at: now() } });
}

/** The carried cases read again (a 404 removes the copy, with a notice), then the profile. */
async function refresh(field) {
  for (const copy of await data.carried()) {
    let answer;
    try {
      answer = await api.case(copy.id);
    } catch (error) {
      if (error instanceof NetworkError) return;
      throw error;
    }
    if (answer.status === 200 && answer.data) {
      let child = copy.child;
      if (answer.data.child && answer.data.child.id) {
        try {
          const c = await api.child(answer.data.child.id);
          child = c.status === 200 ? c.data : null;
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
        }
      }
      await data.carry(copy.id, answer.data, child);
    } else if (answer.status === 404) {
      await data.uncarry(copy.id);
      await data.addNotice(
        fmt(
          "Hồ sơ số %(id)s không còn trong phạm vi của bạn (đã chuyển đi hoặc quyền xem đã bị thu hồi): bản lưu trên " +
            "máy đã bị xoá.",
          { id: copy.id },
        ),
      );
    }
  }
  await data.saveProfile(field);
}

/** Carry a case offline ("Mang theo"): its detail and, when the role may see it, the child's record. */
export async function carryCase(id) {
  const answer = await api.case(id);
  if (answer.status !== 200 || !answer.data) {
    return (answer.data && answer.data.detail) || fmt("Không đọc được hồ sơ (mã %(status)s).", { status: answer.status });
  }
  let child = null;
  if (answer.data.child && answer.data.child.id) {
    const c = await api.child(answer.data.child.id);
    if (c.status === 200) child = c.data;
  }
  await data.carry(id, answer.data, child);
  return null;
}

/** The outcome in words, and how it looks (success, warning, danger). */
export function describe(result) {
  if (result.stop) return { message: result.stop, kind: "danger" };
  const parts = [fmt("đã gửi %(n)s", { n: result.sent })];
  if (result.refused) parts.push(fmt("bị từ chối %(n)s", { n: result.refused }));
  if (result.conflict) parts.push(fmt("xung đột %(n)s", { n: result.conflict }));
  if (result.lost) parts.push(fmt("không còn quyền %(n)s", { n: result.lost }));
  parts.push(fmt("còn chờ %(n)s", { n: result.pending }));
  const kind = result.refused || result.conflict || result.lost ? "warning" : "success";
  return { message: `${t("Đồng bộ xong")}: ${parts.join(", ")}.`, kind };
}
