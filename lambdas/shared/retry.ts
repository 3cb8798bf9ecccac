export interface RetryPolicy {
  /** Total tries, including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff, so many concurrent retries do not hit the API in lock step. */
export function backoffMs(policy: RetryPolicy, failedAttempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(Math.random() * ceiling);
}

/** Calls `fn` until it succeeds, `retryable` says no, or the attempts run out; then rethrows the last error. */
export async function withRetry<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  retryable: (err: unknown) => boolean = () => true,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !retryable(err)) throw err;
      await sleep(backoffMs(policy, attempt));
    }
  }
}
