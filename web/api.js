// api.js — the only module that talks to the HTTP API.
// Every failure (network, HTTP error, malformed body) becomes an ApiError with a message in plain
// Chinese, so pages can show it as is. The service's error body is {"error": {code, message, detail}}.

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/** Query string from an object; arrays repeat the key (kind=table&kind=indicator), blanks are left out. */
export function queryString(params) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== "") qs.append(key, String(v));
    }
  }
  return qs.toString();
}

/** GET a JSON document; `signal` lets a newer request cancel an older one. */
export async function getJSON(path, params, { signal } = {}) {
  const qs = queryString(params);
  const url = qs ? `${path}?${qs}` : path;
  let response;
  try {
    response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("无法连接到服务，请检查网络后重试。", "network", 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page, an empty body: handled below with the status code.
  }
  if (!response.ok) {
    const error = body && body.error;
    const message = (error && error.message) || `服务暂时不可用（HTTP ${response.status}）。`;
    throw new ApiError(message, (error && error.code) || "http", response.status);
  }
  if (body === null) throw new ApiError("服务返回了无法识别的内容。", "bad_body", response.status);
  return body;
}

export const search = (params, options) => getJSON("/api/search", params, options);
export const ask = (question, options) => getJSON("/api/ask", { q: question }, options);
export const listReports = (options) => getJSON("/api/reports", null, options);
export const getReport = (id, options) =>
  getJSON(`/api/reports/${encodeURIComponent(id)}`, null, options);
