// Calls to supportflow's JSON API from a signed-in page: the session cookie plus the page's CSRF token.
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name=csrf-token]');
  return meta ? meta.content : '';
}

export async function api(path, { method = 'GET', body, contentType = 'application/json', raw = false } = {}) {
  const headers = { 'X-CSRF-Token': csrfToken(), Accept: raw ? '*/*' : 'application/json' };
  let payload = body;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    if (contentType === 'application/json' && typeof body !== 'string') payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (!response.ok) {
    let error = {};
    try {
      error = await response.json();
    } catch (notJson) {
      error = { error: `${response.status} ${response.statusText}` };
    }
    throw new ApiError(response.status, error.error || `${response.status} ${response.statusText}`, error);
  }
  return raw ? response.text() : response.json();
}
