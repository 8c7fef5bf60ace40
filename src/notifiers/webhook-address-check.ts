/**
 * The webhook address rule of src/notifiers/address-guard.ts, applied when a request or a
 * subscription is created, so a webhook the notifier would refuse is a 400 at once instead of a
 * `notify_error` after the report was made.
 */
import { ReportError } from '../domain/errors.js';
import { assertWebhookAddressAllowed, type AddressAllowList } from './address-guard.js';

/** How long a request waits for the webhook host's name to resolve, in ms; past it the name counts as unresolved. */
const RESOLVE_TIMEOUT_MS = 2_000;

/**
 * Refuses `url` when its host is, or resolves to, a private or loopback address `allow` does not
 * cover. A name that does not resolve now (or within 2 s) is accepted: DNS may be briefly down or
 * the receiver not yet published, and the notifier checks again before each delivery.
 * @throws ReportError('WEBHOOK_ADDRESS_REFUSED') (400) naming `notify.webhook_url` and `REPORTFLOW_WEBHOOK_ALLOW_HOSTS`.
 */
export async function checkWebhookAddress(url: string | undefined, allow: AddressAllowList): Promise<void> {
  if (url === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const unresolved = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, RESOLVE_TIMEOUT_MS);
  });
  try {
    await Promise.race([assertWebhookAddressAllowed(new URL(url), allow), unresolved]);
  } catch (err) {
    if (err instanceof ReportError) throw err;
  } finally {
    clearTimeout(timer);
  }
}
