// The product's API, as the field app calls it (docs/api.md): same-origin session, JSON, the CSRF token of the
// last GET /api/v1/field/ (the shell page holds none), an Idempotency-Key on the writes that carry one.

let csrf = null;

export class NetworkError extends Error {
  constructor(cause) {
    super(String(cause && cause.message ? cause.message : cause));
    this.name = "NetworkError";
  }
}

export function setCsrf(token) {
  csrf = token || null;
}

/**
 * One call: resolves {status, data} for any HTTP answer (data: the JSON, or null), rejects NetworkError when no
 * answer came (offline, the server unreachable). Never cached (the service worker never keeps an /api/ answer).
 */
export async function call(method, path, { body, key } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRFToken"] = csrf;
  if (key) headers["Idempotency-Key"] = key;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (response.type === "opaqueredirect") return { status: 401, data: null }; // sent to the login page
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, data };
}

export const api = {
  field: () => call("GET", "/api/v1/field/"),
  cases: () => call("GET", "/api/v1/cases/?page_size=100"),
  case: (id) => call("GET", `/api/v1/cases/${encodeURIComponent(id)}/`),
  child: (id) => call("GET", `/api/v1/children/${encodeURIComponent(id)}/`),
  report: (body, key) => call("POST", "/api/v1/reports/", { body, key }),
  registerChild: (body, key) => call("POST", "/api/v1/children/", { body, key }),
  step: (caseId, body, key) => call("POST", `/api/v1/cases/${encodeURIComponent(caseId)}/steps/`, { body, key }),
};
