/**
 * When `npm start` restarts a child process that died, and when it gives up: the policy of systemd's
 * `Restart=on-failure` with `StartLimitBurst` / `StartLimitIntervalSec` (systemd.unit(5)), with an
 * exponential backoff between restarts as gotenberg's and Kubernetes' restarts have (capped, so a
 * child that keeps failing is not hammered and one that recovers is not kept waiting long).
 *
 * Crashes are counted in a sliding window: the n-th crash within `windowMs` waits
 * `min(initialDelayMs × 2^(n-1), maxDelayMs)` before the restart; crash number `limit + 1` within the
 * window is a crash loop. A child that stays up longer than the window starts again from the first delay.
 */

/** Options of {@link RestartPolicy} (from `REPORTFLOW_RESTART_*` in src/config/settings.ts). */
export interface RestartPolicyOptions {
  /** Delay before the first restart, in ms. */
  initialDelayMs: number;
  /** Longest delay before a restart, in ms. */
  maxDelayMs: number;
  /** Restarts allowed within `windowMs`; 0: none (any crash is final). */
  limit: number;
  /** The window in which crashes are counted, in ms. */
  windowMs: number;
}

/** What to do about one crash. */
export type RestartDecision =
  /** Restart after `delayMs`; `attempt` counts the crashes within the window, this one included (1, 2, …). */
  | { action: 'restart'; attempt: number; delayMs: number }
  /** A crash loop: `crashes` crashes within `windowMs`, more than `limit` restarts allow. */
  | { action: 'give-up'; crashes: number; windowMs: number; limit: number };

/** The restart policy of one child process; `now` is injectable for tests (ms since the epoch). */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly options: RestartPolicyOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash (now) and decides. */
  onCrash(): RestartDecision {
    const { initialDelayMs, maxDelayMs, limit, windowMs } = this.options;
    const t = this.now();
    this.crashes = this.crashes.filter((at) => t - at < windowMs);
    this.crashes.push(t);
    const attempt = this.crashes.length;
    if (attempt > limit) return { action: 'give-up', crashes: attempt, windowMs, limit };
    return { action: 'restart', attempt, delayMs: Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs) };
  }
}
