/**
 * Signed download URLs: `GET /v1/reports/{id}/file?expires=<unix s>&signature=<hex>` works without
 * credentials until `expires`. The signature is HMAC-SHA256 (key `REPORTFLOW_URL_SIGNING_KEY`) over
 * `v1\n<tenant>\n<report id>\n<file sha256>\n<expires>`, so a change to the id, the expiry or the
 * signature, a URL of another tenant's report, or a file replaced since signing all fail the check.
 * Same idea as S3's presigned URLs (AWS Signature V4 query auth), reduced to what one service needs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signature covers. `sha256`: hex digest of the report file. */
export interface SignedFile {
  tenantId: string;
  reportId: string;
  sha256: string;
}

/** A link and when it stops working (ISO-8601 instant, UTC). */
export interface SignedUrl {
  url: string;
  expiresAt: string;
}

/** Why a signed URL was refused. */
export type SignatureProblem = 'EXPIRED' | 'INVALID';

export class UrlSigner {
  private readonly key: Buffer;

  /**
   * @param key the signing secret (at least 16 bytes).
   * @throws Error when the key is shorter than 16 bytes.
   */
  constructor(key: string) {
    this.key = Buffer.from(key, 'utf8');
    if (this.key.length < 16) throw new Error('REPORTFLOW_URL_SIGNING_KEY must be at least 16 bytes long');
  }

  /**
   * The download link of `file` under `baseUrl` (no trailing slash), valid for `ttlSeconds` from `nowMs`.
   */
  sign(baseUrl: string, file: SignedFile, ttlSeconds: number, nowMs: number = Date.now()): SignedUrl {
    const expires = Math.floor(nowMs / 1000) + ttlSeconds;
    const signature = this.signature(file, expires);
    return {
      url: `${baseUrl}/v1/reports/${encodeURIComponent(file.reportId)}/file?expires=${expires}&signature=${signature}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /**
   * Checks a presented `expires` and `signature` (query strings, unparsed) for `file`.
   * @returns undefined when valid, else why not. A bad signature wins over an expiry.
   */
  verify(file: SignedFile, expires: string | undefined, signature: string | undefined, nowMs: number = Date.now()): SignatureProblem | undefined {
    if (!expires || !/^\d{1,12}$/.test(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature)) return 'INVALID';
    const expected = Buffer.from(this.signature(file, Number(expires)), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'INVALID';
    if (Number(expires) * 1000 <= nowMs) return 'EXPIRED';
    return undefined;
  }

  private signature(file: SignedFile, expires: number): string {
    return createHmac('sha256', this.key).update(`v1\n${file.tenantId}\n${file.reportId}\n${file.sha256}\n${expires}`, 'utf8').digest('hex');
  }
}
