// The API client: JSON in and out, errors as ApiError with the server's one-line reason.
// The token is kept in localStorage and sent as a Bearer token when the page is not on
// loopback (the server lets loopback change things without one); with it on every request, not
// only changes, the console also works under --api-auth all.

const TOKEN_KEY = "retrovue.apiToken";

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);
export const onLoopback =
  LOOPBACK_HOSTS.has(location.hostname) || location.hostname.startsWith("127.");

export function token() {
  return localStorage.getItem(TOKEN_KEY) ?? "";
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The Authorization header for a request, when one is needed and the token is known.
export function authHeaders() {
  const secret = token();
  return secret && !onLoopback ? { Authorization: `Bearer ${secret}` } : {};
}

async function call(method, path, body) {
  const headers = { Accept: "application/json", ...authHeaders() };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    let message = data?.error ?? `${response.status} ${response.statusText}`;
    if (response.status === 401) message += " (set the API token at the top of the page)";
    throw new ApiError(response.status, message);
  }
  return data;
}

export const api = {
  get: (path) => call("GET", path),
  post: (path, body) => call("POST", path, body ?? {}),
  del: (path) => call("DELETE", path),
};
