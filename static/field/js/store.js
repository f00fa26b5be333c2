// The field app's encrypted store (docs/field.md#the-encrypted-store): IndexedDB, every record encrypted with
// AES-GCM under a key derived from the officer's PIN (PBKDF2-SHA256, 600,000 iterations). The key lives only in this
// page's memory while unlocked; the database holds the salt, a verifier of the PIN, and ciphertexts.
//
// PBKDF2 gives 512 bits: the first 256 are the AES-GCM key (imported non-extractable), the last 256 are hashed with
// SHA-256 into the verifier kept in "meta" (the PIN is checked against it; the key cannot be computed from it).
// Each record is encrypted with a fresh 96-bit IV and the additional data `${kind}:${id}`, so a ciphertext moved to
// another record's place does not decrypt. Wipe rules: too many wrong PINs, too many days without a sync (checked by
// state()), logout; an idle lock after 10 minutes is lock.js's.

const DB_NAME = "childprotect-field";
const DB_VERSION = 1;
const META = "meta";
const RECORDS = "records";
const META_KEY = "meta";
export const ITERATIONS = 600000;
export const MIN_PIN_DIGITS = 6;
const DEFAULT_WIPE_DAYS = 7;
const DEFAULT_MAX_ATTEMPTS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;
const NOTICE = "childprotect-field-wiped"; // sessionStorage: why the store was last wiped (no personal data)

const _ = (text) => (typeof gettext === "function" ? gettext(text) : text);
const fmt = (text, values) => (typeof interpolate === "function" ? interpolate(text, values) : text);

export class StoreError extends Error {
  constructor(code, message, { left = null, reason = null } = {}) {
    super(message);
    this.name = "StoreError";
    this.code = code; // "locked" | "wrong_pin" | "wiped" | "tampered" | "bad_pin" | "exists" | "empty"
    this.left = left; // wrong_pin: attempts left before the wipe
    this.reason = reason; // wiped: "logout" | "stale" | "attempts" | "tampered" | "user"
  }
}

// Marked for the catalog (makemessages), translated when shown.
const gettext_noop = (text) => text;
const WIPE_MESSAGES = {
  logout: gettext_noop("Dữ liệu trên máy đã được xoá khi đăng xuất."),
  stale: gettext_noop("Máy đã quá %s ngày không đồng bộ với hệ thống: dữ liệu trên máy đã được xoá để bảo vệ thông tin."),
  attempts: gettext_noop("Đã nhập sai mã PIN quá số lần cho phép: dữ liệu trên máy đã được xoá."),
  tampered: gettext_noop("Dữ liệu trên máy bị thay đổi hoặc hỏng: đã được xoá."),
  user: gettext_noop("Dữ liệu trên máy đã được xoá."),
};

/** The Vietnamese sentence for a wipe's reason (days: the stale rule's). */
export function wipeMessage(reason, days = DEFAULT_WIPE_DAYS) {
  const text = _(WIPE_MESSAGES[reason] || WIPE_MESSAGES.user);
  return reason === "stale" ? fmt(text, [days]) : text;
}

export function tamperedMessage() {
  return _(
    "Dữ liệu trên máy đã bị thay đổi hoặc hỏng nên không giải mã được. Để an toàn, hãy xoá dữ liệu trên máy; " +
      "những mục chưa gửi lên sẽ mất.",
  );
}

// --- IndexedDB, in promises -------------------------------------------------------------------------------------

let db = null; // the open connection, if any
let key = null; // the AES-GCM CryptoKey while unlocked
let keyOwner = null; // the meta.createdAt the key belongs to (a wipe and a new setup in another tab: not ours)

function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new DOMException("aborted", "AbortError"));
  });
}

async function exists() {
  if (db) return true;
  if (typeof indexedDB.databases !== "function") return true; // opening creates it; state() then says "empty"
  const all = await indexedDB.databases();
  return all.some((d) => d.name === DB_NAME);
}

async function open() {
  if (db) return db;
  const request = indexedDB.open(DB_NAME, DB_VERSION);
  request.onupgradeneeded = () => {
    const conn = request.result;
    if (!conn.objectStoreNames.contains(META)) conn.createObjectStore(META);
    if (!conn.objectStoreNames.contains(RECORDS)) conn.createObjectStore(RECORDS);
  };
  db = await req(request);
  db.onversionchange = () => close(); // another tab deletes the database: let it
  db.onclose = () => {
    db = null;
  };
  return db;
}

function close() {
  if (db) db.close();
  db = null;
  key = null;
  keyOwner = null;
}

async function readMeta() {
  if (!(await exists())) return null;
  const conn = await open();
  const tx = conn.transaction(META, "readonly");
  const meta = await req(tx.objectStore(META).get(META_KEY));
  return meta || null;
}

async function writeMeta(change) {
  const conn = await open();
  const tx = conn.transaction(META, "readwrite");
  const metaStore = tx.objectStore(META);
  const meta = (await req(metaStore.get(META_KEY))) || {};
  const next = typeof change === "function" ? change(meta) : { ...meta, ...change };
  metaStore.put(next, META_KEY);
  await done(tx);
  return next;
}

// --- crypto -----------------------------------------------------------------------------------------------------

const enc = new TextEncoder();
const dec = new TextDecoder();

async function derive(pin, salt, iterations) {
  const material = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, 512),
  );
  const aes = await crypto.subtle.importKey("raw", bits.slice(0, 32), { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  const verifier = new Uint8Array(await crypto.subtle.digest("SHA-256", bits.slice(32)));
  bits.fill(0);
  return { aes, verifier };
}

function sameBytes(a, b) {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i += 1) diff |= x[i] ^ y[i];
  return diff === 0;
}

const recordKey = (kind, id) => `${kind}:${id}`;

async function encrypt(kind, id, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = enc.encode(JSON.stringify({ id, value }));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: enc.encode(recordKey(kind, id)), tagLength: 128 },
      key,
      plain,
    ),
  );
  return { iv, ct };
}

async function decrypt(storedKey, record) {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: record.iv, additionalData: enc.encode(storedKey), tagLength: 128 },
      key,
      record.ct,
    );
    return JSON.parse(dec.decode(plain));
  } catch {
    throw new StoreError("tampered", tamperedMessage());
  }
}

// --- the rules --------------------------------------------------------------------------------------------------

function notice(reason, days) {
  try {
    sessionStorage.setItem(NOTICE, JSON.stringify({ reason, days, at: Date.now() }));
  } catch {
    /* storage refused (a private window): the message is only not kept over a reload */
  }
}

/** Why the store was last wiped in this tab, once (lock.js shows it): {reason, days, message} or null. */
export function takeWipeNotice() {
  try {
    const raw = sessionStorage.getItem(NOTICE);
    sessionStorage.removeItem(NOTICE);
    if (!raw) return null;
    const { reason, days } = JSON.parse(raw);
    return { reason, days, message: wipeMessage(reason, days) };
  } catch {
    return null;
  }
}

function isStale(meta, now = Date.now()) {
  const since = meta.lastSync || meta.createdAt;
  const days = meta.wipeDays || DEFAULT_WIPE_DAYS;
  return Boolean(since) && now - since > days * DAY_MS;
}

function requireKey() {
  if (!key) throw new StoreError("locked", _("Ứng dụng đang khoá: hãy nhập mã PIN."));
}

async function wipe(reason = "user") {
  let days = DEFAULT_WIPE_DAYS;
  try {
    const meta = db ? await readMeta() : null;
    if (meta && meta.wipeDays) days = meta.wipeDays;
  } catch {
    /* the database is being deleted anyway */
  }
  close();
  await new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve(); // another tab holds it open: it closes on versionchange, deletion follows
  });
  notice(reason, days);
}

async function state() {
  const meta = await readMeta();
  if (!meta || !meta.verifier) return "empty";
  if (isStale(meta)) {
    await wipe("stale");
    return "empty";
  }
  if (key && keyOwner === meta.createdAt) return "unlocked";
  key = null;
  return "locked";
}

async function setup(pin, { owner, wipeDays = DEFAULT_WIPE_DAYS, maxAttempts = DEFAULT_MAX_ATTEMPTS } = {}) {
  pin = String(pin ?? "");
  if (!new RegExp(`^[0-9]{${MIN_PIN_DIGITS},}$`).test(pin)) {
    throw new StoreError("bad_pin", fmt(_("Mã PIN phải gồm ít nhất %s chữ số."), [MIN_PIN_DIGITS]));
  }
  if (!owner) throw new StoreError("empty", _("Chưa biết tài khoản của máy này: hãy kết nối mạng rồi thử lại."));
  const current = await readMeta();
  if (current && current.verifier) throw new StoreError("exists", _("Máy này đã có mã PIN."));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const { aes, verifier } = await derive(pin, salt, ITERATIONS);
  const now = Date.now();
  await writeMeta({
    salt,
    iterations: ITERATIONS,
    verifier,
    owner,
    attempts: 0,
    lastSync: now, // the stale clock starts at the set-up: the profile was just read from the server
    createdAt: now,
    wipeDays: Number(wipeDays) || DEFAULT_WIPE_DAYS,
    maxAttempts: Number(maxAttempts) || DEFAULT_MAX_ATTEMPTS,
    pending: 0,
    seq: 0,
  });
  key = aes;
  keyOwner = now;
}

async function unlock(pin) {
  const meta = await readMeta();
  if (!meta || !meta.verifier) throw new StoreError("empty", _("Chưa có mã PIN trên máy này."));
  if (isStale(meta)) {
    await wipe("stale");
    throw new StoreError("wiped", wipeMessage("stale", meta.wipeDays), { reason: "stale" });
  }
  // Counted before the long derivation, so closing the page meanwhile does not spare a wrong attempt.
  const counted = await writeMeta((m) => ({ ...m, attempts: (m.attempts || 0) + 1 }));
  const { aes, verifier } = await derive(String(pin ?? ""), meta.salt, meta.iterations || ITERATIONS);
  if (sameBytes(verifier, meta.verifier)) {
    await writeMeta((m) => ({ ...m, attempts: 0 }));
    key = aes;
    keyOwner = meta.createdAt;
    return;
  }
  const max = counted.maxAttempts || DEFAULT_MAX_ATTEMPTS;
  const left = max - counted.attempts;
  if (left <= 0) {
    await wipe("attempts");
    throw new StoreError("wiped", wipeMessage("attempts"), { reason: "attempts" });
  }
  throw new StoreError("wrong_pin", fmt(_("Sai mã PIN, còn %s lần thử."), [left]), { left });
}

async function put(kind, id, value) {
  requireKey();
  const storedKey = recordKey(kind, id);
  const { iv, ct } = await encrypt(kind, id, value);
  const conn = await open();
  const tx = conn.transaction([META, RECORDS], "readwrite");
  const records = tx.objectStore(RECORDS);
  const metaStore = tx.objectStore(META);
  const before = await req(records.get(storedKey));
  let seq = before ? before.seq : null;
  if (seq === null) {
    const meta = await req(metaStore.get(META_KEY));
    seq = (meta.seq || 0) + 1;
    metaStore.put({ ...meta, seq }, META_KEY);
  }
  records.put({ iv, ct, seq }, storedKey);
  await done(tx);
}

async function get(kind, id) {
  requireKey();
  const storedKey = recordKey(kind, id);
  const conn = await open();
  const record = await req(conn.transaction(RECORDS, "readonly").objectStore(RECORDS).get(storedKey));
  if (!record) return null;
  return (await decrypt(storedKey, record)).value;
}

async function rawRecords(kind) {
  const conn = await open();
  const tx = conn.transaction(RECORDS, "readonly");
  const range = kind === undefined ? undefined : IDBKeyRange.bound(`${kind}:`, `${kind}:\uffff`);
  const [keys, values] = await Promise.all([
    req(tx.objectStore(RECORDS).getAllKeys(range)),
    req(tx.objectStore(RECORDS).getAll(range)),
  ]);
  return keys.map((k, i) => [k, values[i]]).sort((a, b) => a[1].seq - b[1].seq);
}

async function all(kind) {
  requireKey();
  const out = [];
  for (const [storedKey, record] of await rawRecords(kind)) {
    const { id, value } = await decrypt(storedKey, record);
    out.push({ id, value });
  }
  return out;
}

/** Decrypts every record once (after an unlock): rejects StoreError tampered if one does not. */
async function check() {
  requireKey();
  for (const [storedKey, record] of await rawRecords()) await decrypt(storedKey, record);
}

async function remove(kind, id) {
  requireKey();
  const conn = await open();
  const tx = conn.transaction(RECORDS, "readwrite");
  tx.objectStore(RECORDS).delete(recordKey(kind, id));
  await done(tx);
}

async function setPending(n) {
  if (!(await readMeta())) return;
  await writeMeta({ pending: Math.max(0, Number(n) || 0) });
}

async function markSynced() {
  requireKey();
  await writeMeta({ lastSync: Date.now() });
}

async function meta() {
  const m = await readMeta();
  if (!m || !m.verifier) return null;
  const { owner, lastSync, createdAt, wipeDays, maxAttempts, attempts, pending } = m;
  return { owner, lastSync, createdAt, wipeDays, maxAttempts, attempts, pending: pending || 0 };
}

async function owner() {
  const m = await readMeta();
  return m ? m.owner || null : null;
}

function lock() {
  key = null;
  keyOwner = null;
}

export const store = {
  state,
  setup,
  unlock,
  lock: async () => lock(),
  wipe,
  owner,
  put,
  get,
  all,
  remove,
  setPending,
  markSynced,
  meta,
  check,
  isUnlocked: () => key !== null,
};

export { DB_NAME };
