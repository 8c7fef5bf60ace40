/** A minimal client of the reportflow HTTP API for tests and the benchmark. */

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
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
