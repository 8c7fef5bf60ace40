/**
 * A minimal client of the reportflow HTTP API for tests and the benchmark, and two raw senders for
 * requests no well-behaved client would send (`sendRaw`: byte-exact paths, headers and bodies;
 * `sendBytes`: arbitrary bytes on a socket).
 */
import http from 'node:http';
import net from 'node:net';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Any answer, read whole: the raw bytes, the text, and the parsed JSON when the body is JSON. */
export interface RawResponse {
  status: number;
  headers: Headers;
  /** `content-type` without parameters, e.g. `application/json`; '' when absent. */
  contentType: string;
  bytes: Buffer;
  text: string;
  /** The parsed body when it is JSON, else `undefined`. */
  json: unknown;
}

/** What `ApiClient.request` sends. */
export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/v1/reports?limit=5`. */
  path: string;
  /** Headers as given; `auth: false` in `ApiClient.request` drops the client's own key. */
  headers?: Record<string, string>;
  /** A value sent as JSON (with `content-type: application/json` unless set), or a string/Buffer sent as is. */
  body?: unknown;
}

export class ApiClient {
  constructor(readonly baseUrl: string, readonly apiKey: string) {}

  async post<T = Record<string, unknown>>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(this.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': this.apiKey, ...headers }, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  }

  async get<T = Record<string, unknown>>(path: string, headers: Record<string, string> = { 'x-api-key': this.apiKey }): Promise<ApiResponse<T>> {
    const res = await fetch(this.baseUrl + path, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  }

  /**
   * Sends any request and reads the whole answer (non-JSON bodies included). The client's key is
   * sent as `X-API-KEY` unless `auth` is false or the headers already carry credentials.
   */
  async request(req: RawRequest, { auth = true }: { auth?: boolean } = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    const names = Object.keys(headers).map((h) => h.toLowerCase());
    if (auth && !names.includes('x-api-key') && !names.includes('authorization')) headers['x-api-key'] = this.apiKey;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (typeof req.body === 'string') body = req.body;
    else if (Buffer.isBuffer(req.body)) body = Uint8Array.from(req.body);
    else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      if (!names.includes('content-type')) headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + req.path, { method: req.method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const text = bytes.toString('utf8');
    let json: unknown;
    if (contentType === 'application/json' || contentType.endsWith('+json')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, headers: res.headers, contentType, bytes, text, json };
  }

  async download(path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const res = await fetch(this.baseUrl + path, { headers: { 'x-api-key': this.apiKey } });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  /**
   * Polls GET /v1/report-generate-requests/{id} every `intervalMs` until a final status.
   * @returns the final body and every (status, stage) pair seen, in order.
   */
  async waitForRun(id: string, { timeoutMs = 300_000, intervalMs = 50 } = {}): Promise<{ final: Record<string, unknown>; seen: string[] }> {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await this.get(`/v1/report-generate-requests/${id}`);
      if (status !== 200) throw new Error(`GET run ${id}: ${status} ${JSON.stringify(body)}`);
      const label = `${String(body.status)}${body.stage ? ':' + String(body.stage) : ''}`;
      if (seen[seen.length - 1] !== label) seen.push(label);
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(body.status))) return { final: body, seen };
      if (Date.now() > deadline) throw new Error(`run ${id} not finished after ${timeoutMs} ms; seen ${seen.join(' → ')}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** An answer read whole. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A request sent byte for byte by `sendRaw`. */
export interface RawHttpRequest {
  method: string;
  /** Path and query, sent as is (not normalised): ASCII without spaces or controls (percent-encode the rest). */
  path: string;
  headers: Record<string, string>;
  /** Sent as is; JSON bodies are already serialised. */
  body?: string | Buffer;
  /** Send without `content-length` (chunked). */
  chunked?: boolean;
}

/**
 * Sends `req` to `baseUrl` (`http://host:port`) exactly as built, on a connection of its own unless
 * an `agent` is given (a server that answers before reading a whole body closes the connection, so
 * reusing connections across hostile requests would turn that into client-side hang-ups).
 * Resolves with the answer even when the server stops reading the body early.
 * @throws Error when no answer arrives within `timeoutMs` (default 30 s) or the connection fails.
 */
export function sendRaw(baseUrl: string, req: RawHttpRequest, agent: http.Agent | false = false, timeoutMs = 30_000): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const headers: Record<string, string> = { ...req.headers };
  if (body && !req.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request({
      host: url.hostname, port: url.port, method: req.method, path: req.path, headers,
      agent, timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The server may answer 413 and close while the body is still being written: EPIPE/ECONNRESET then
    // come after (or instead of) the answer; only a failure without an answer is an error.
    request.on('error', (err) => {
      if (!answered) setTimeout(() => !answered && reject(err), 200);
    });
    if (body && req.chunked) {
      for (let i = 0; i < body.length; i += 16_384) request.write(body.subarray(i, i + 16_384));
      request.end();
    } else {
      request.end(body);
    }
  });
}

/**
 * Writes `bytes` on a new connection to `baseUrl` and reads the raw answer until the server closes
 * it or `timeoutMs` passes (then the part read so far is parsed).
 * @throws Error when nothing that looks like an HTTP answer arrives.
 */
export async function sendBytes(baseUrl: string, bytes: string, timeoutMs = 10_000): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes, 'latin1'));
    let data = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      // One answer is enough: stop once its declared body is complete.
      const end = data.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end));
      if (end >= 0 && length && Buffer.byteLength(data.slice(end + 4)) >= Number(length[1])) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    socket.on('error', (err) => (data ? undefined : reject(err)));
  });
  const end = raw.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  if (!status || end < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`);
  const headers: http.IncomingHttpHeaders = {};
  for (const line of raw.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status[1]), headers, text: raw.slice(end + 4) };
}
