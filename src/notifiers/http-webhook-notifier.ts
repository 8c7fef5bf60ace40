/**
 * Webhook notifications over HTTP: one JSON POST per event with Node's global `fetch`.
 * 2xx is delivered; 4xx (and 3xx: redirects are not followed) means the receiver refuses the event
 * for good (not retried); 5xx, timeouts and network faults are transient and left to the notify activity's retry policy.
 */
import { ReportError } from '../domain/errors.js';
import { AddressAllowList, assertWebhookAddressAllowed } from './address-guard.js';
import type { WebhookEvent, WebhookNotifier } from './notifier.js';
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
   * @throws ReportError('WEBHOOK_REJECTED') on a 4xx or 3xx answer.
   * @throws ReportError('WEBHOOK_ADDRESS_REFUSED') when the host is private or loopback and not allow-listed.
   * @throws Error on a 5xx answer, a timeout or a network fault.
   */
  async send(url: string, event: WebhookEvent): Promise<void> {
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
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${this.options.timeoutMs} ms` : String((err as Error).cause ?? err);
      throw new Error(`webhook ${event.type} to ${origin(url)} failed: ${reason}`, { cause: err });
    }
    // The body is not used; drain it so the connection can be reused.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    if (response.status < 500) {
      // 4xx: refused for good. 3xx too: redirects are not followed (a POST must not turn into a GET
      // or wander to another host), and asking again gets the same answer.
      throw new ReportError('WEBHOOK_REJECTED', `The webhook receiver answered ${response.status} to ${event.type}.`);
    }
    throw new Error(`webhook ${event.type} to ${origin(url)} answered ${response.status}`);
  }
}

/** Scheme, host and port only: a webhook URL's path or query may hold a secret token. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
