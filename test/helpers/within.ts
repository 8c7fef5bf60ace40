/**
 * A bound on a wait in tests: a hang would otherwise stall the whole suite. Not a timing assertion:
 * give it many times what the awaited thing takes.
 */

/**
 * Resolves as `promise` does, or rejects when it takes longer than `ms`.
 * @throws Error `<what> took longer than <ms> ms` on timeout; otherwise `promise`'s own rejection.
 */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than `undefined`, and returns that value.
 * @throws Error `<what> did not happen within <ms> ms` when `ms` pass first.
 */
export async function pollUntil<T>(ms: number, what: string, probe: () => T | undefined | Promise<T | undefined>, intervalMs = 100): Promise<T> {
  for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, intervalMs))) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`${what} did not happen within ${ms} ms`);
  }
}
