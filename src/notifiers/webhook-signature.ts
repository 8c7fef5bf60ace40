/**
 * Webhook signatures: `X-Reportflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp lets a receiver refuse replays (e.g. older than 5 minutes); the body is the exact
 * bytes POSTed. README "Notifications" shows the receiver's side (tested in test/integration/notify-webhook.test.ts).
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Reportflow-Signature';

/** The header value for `body` signed at `timestampSeconds` (unix time, seconds). */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

