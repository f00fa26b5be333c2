// What the screens keep in the encrypted store (store.js): the profile (GET /api/v1/field/ minus csrf), the queue
// of work recorded offline, the carried cases, the receipts of what was sent, and the notices the sync left (a case
// whose access was lost). Every change of the queue updates the plaintext count of unsent items (store.setPending).

import { store } from "./store.js";
import { uuid } from "./ui.js";

export const PROFILE_ID = "me";
// Unsent: still to go up, or waiting for the officer's choice. "sent" and "access_lost" are done.
export const UNSENT = new Set(["pending", "refused", "conflict", "error"]);

const listeners = new Set();
export function onChange(callback) {
  listeners.add(callback);
  return () => listeners.delete(callback);
}
export function changed() {
  for (const callback of listeners) callback();
}

export async function profile() {
  return store.get("profile", PROFILE_ID);
}

export async function saveProfile(answer) {
  const { csrf: _csrf, ...rest } = answer || {};
  await store.put("profile", PROFILE_ID, rest);
  return rest;
}

// --- The queue -------------------------------------------------------------------------------------------------------

export async function items() {
  return (await store.all("queue")).map((row) => row.value);
}

export async function item(id) {
  return store.get("queue", id);
}

export async function countPending() {
  const all = await items();
  const n = all.filter((i) => UNSENT.has(i.status)).length;
  await store.setPending(n);
  return n;
}

/** A new item: its Idempotency-Key is made now and kept with it through every retry. */
export async function enqueue({ kind, title, body, case_id = null, base_version = null, recorded_at, extra = {} }) {
  const now = new Date().toISOString();
  const value = {
    id: uuid(),
    key: uuid(),
    kind,
    created_at: now,
    recorded_at: recorded_at || now,
    title,
    body,
    case_id,
    base_version,
    status: "pending",
    result: null,
    ...extra,
  };
  await store.put("queue", value.id, value);
  await countPending();
  changed();
  return value;
}

export async function saveItem(value) {
  await store.put("queue", value.id, value);
  await countPending();
  changed();
  return value;
}

export async function dropItem(id) {
  await store.remove("queue", id);
  await countPending();
  changed();
}

// --- Carried cases ---------------------------------------------------------------------------------------------------

export async function carried() {
  return (await store.all("case")).map((row) => ({ id: row.id, ...row.value }));
}

export async function carriedCase(id) {
  return store.get("case", String(id));
}

export async function carry(id, detail, child) {
  const now = new Date().toISOString();
  const prior = await carriedCase(id);
  await store.put("case", String(id), {
    carried_at: prior ? prior.carried_at : now,
    refreshed_at: now,
    version: detail.version,
    detail,
    child: child || null,
  });
  changed();
}

export async function uncarry(id) {
  await store.remove("case", String(id));
  changed();
}

// --- Receipts and notices --------------------------------------------------------------------------------------------

export async function keepReceipt(value) {
  await store.put("receipt", value.item, value);
}

export async function notices() {
  return (await store.all("notice")).map((row) => ({ id: row.id, ...row.value }));
}

export async function addNotice(text) {
  const id = uuid();
  await store.put("notice", id, { text, at: new Date().toISOString() });
  changed();
}

export async function dismissNotice(id) {
  await store.remove("notice", id);
  changed();
}

/** The known steps of a case (for the conflict screen: what happened on the server since the draft). */
export function stepKeys(detail) {
  return ((detail && detail.steps) || []).map(stepKey);
}

export function stepKey(step) {
  return `${step.action}|${step.at}|${step.actor}`;
}
