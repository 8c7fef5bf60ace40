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
