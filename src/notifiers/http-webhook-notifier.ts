/**
 * Webhook notifications over HTTP: one JSON POST per event with Node's global `fetch`.
 * 2xx is delivered; 4xx (and 3xx: redirects are not followed) means the receiver refuses the event
 * for good (not retried), except 408 Request Timeout and 429 Too Many Requests, which ask to come back
 * later (RFC 9110 §15.5.9, RFC 6585 §4); those, 5xx, timeouts and network faults are transient and
 * left to the notify activity's retry policy. 410 Gone is final like any other 4xx: a receiver that
 * is gone for good will not come back within the retry schedule.
 */
import { AddressAllowList, assertWebhookAddressAllowed } from './address-guard.js';
import { WebhookAttemptError, WebhookRejectedError, type BulkWebhookEvent, type WebhookAnswer, type WebhookEvent, type WebhookNotifier } from './notifier.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface HttpWebhookNotifierOptions {
  /** Timeout of one POST in ms, connection and answer included (config.webhookTimeoutMs). */
  timeoutMs: number;
  /** HMAC key of the `X-Reportflow-Signature` header (config.webhookSecret); unset: unsigned. */
  secret?: string | undefined;
  /** Hosts, addresses or CIDR ranges allowed although private or loopback (config.webhookAllowHosts). @default [] */
  allowHosts?: readonly string[];
}

export class HttpWebhookNotifier implements WebhookNotifier {
  private readonly allow: AddressAllowList;

  /** @throws Error on a malformed allow-list range. */
  constructor(private readonly options: HttpWebhookNotifierOptions) {
    this.allow = new AddressAllowList(options.allowHosts ?? []);
  }

  /**
   * POSTs `event` to `url` with `Content-Type: application/json`, `User-Agent: reportflow` and
   * `X-Reportflow-Event-Id: <event_id>` (for the receiver's de-duplication) and, with a secret,
   * `X-Reportflow-Signature` (see webhook-signature.ts), signed afresh for each attempt.
   * @returns the receiver's 2xx status.
   * @throws WebhookRejectedError (`WEBHOOK_REJECTED`) on a 3xx or 4xx answer other than 408 and 429.
   * @throws ReportError('WEBHOOK_ADDRESS_REFUSED') when the host is private or loopback and not allow-listed.
   * @throws WebhookAttemptError on a 5xx, 408 or 429 answer, a timeout or a network fault.
   */
  async send(url: string, event: WebhookEvent | BulkWebhookEvent): Promise<WebhookAnswer> {
    await assertWebhookAddressAllowed(new URL(url), this.allow);
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'reportflow',
      'X-Reportflow-Event-Id': event.event_id,
    };
    if (this.options.secret) headers[SIGNATURE_HEADER] = signWebhook(this.options.secret, Math.floor(Date.now() / 1000), body);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : networkFault(err);
      throw new WebhookAttemptError(`webhook ${event.type} to ${origin(url)} failed: ${reason}`, reason, undefined, { cause: err });
    }
    // The body is not used; drain it so the connection can be reused.
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    if (status >= 200 && status < 300) return { httpStatus: status };
    if (status < 500 && status !== 408 && status !== 429) {
      // Refused for good. 3xx too: redirects are not followed (a POST must not turn into a GET or
      // wander to another host), and asking again gets the same answer.
      throw new WebhookRejectedError(status, event.type);
    }
    throw new WebhookAttemptError(`webhook ${event.type} to ${origin(url)} answered ${status}`, `answered ${status}`, status);
  }
}

/** Node's error codes of a failed connection, in words a client reads in a delivery's `last_error`. */
const NETWORK_FAULTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed before an answer',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** `fetch` wraps the socket's error as `cause`: its code in words with the code itself, else a generic phrase. */
function networkFault(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return NETWORK_FAULTS[code] ? `${NETWORK_FAULTS[code]} (${code})` : `network error (${code})`;
  }
  return 'network error';
}

/** Scheme, host and port only: a webhook URL's path or query may hold a secret token. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
