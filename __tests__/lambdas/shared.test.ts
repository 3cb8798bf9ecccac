import { createLimiter } from "../../lambdas/shared/limiter";
import { withRetry } from "../../lambdas/shared/retry";
import { SYMBOL_PATTERN, isSymbol } from "../../lambdas/shared/symbols";
import { integerEnv } from "../../lambdas/shared/env";

const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createLimiter", () => {
  test("never runs more than the limit at once, runs all, and starts tasks in submission order", async () => {
    const limit = createLimiter(3);
    let active = 0;
    let max = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          started.push(i);
          max = Math.max(max, ++active);
          await tick(i % 3);
          active--;
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(max).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test("a rejected or synchronously throwing task passes its error on and frees its slot", async () => {
    const limit = createLimiter(1);
    await expect(limit(() => Promise.reject(new Error("async")))).rejects.toThrow("async");
    await expect(
      limit(() => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    await expect(limit(async () => "still running")).resolves.toBe("still running");
  });

  test("refuses a limit below 1", () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});

describe("withRetry", () => {
  const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

  test("stops at the attempt bound and rethrows the last error", async () => {
    let calls = 0;
    await expect(
      withRetry(policy, async (attempt) => {
        calls++;
        throw new Error(`try ${attempt}`);
      }),
    ).rejects.toThrow("try 3");
    expect(calls).toBe(3);
  });

  test("returns the first success, and does not retry what retryable() refuses", async () => {
    await expect(
      withRetry(policy, async (attempt) => {
        if (attempt < 2) throw new Error("once");
        return attempt;
      }),
    ).resolves.toBe(2);
    let calls = 0;
    await expect(
      withRetry(
        policy,
        async () => {
          calls++;
          throw new Error("fatal");
        },
        () => false,
      ),
    ).rejects.toThrow("fatal");
    expect(calls).toBe(1);
  });
});

test("the symbol pattern is the documented one", () => {
  expect(SYMBOL_PATTERN.source).toBe("^[A-Z0-9][A-Z0-9.:/_-]{0,31}$");
  for (const ok of ["AAPL", "BRK.B", "BTC/USD", "X:BTCUSD", "ETH-USD", "A", "1INCH", "A".repeat(32)]) expect(isSymbol(ok)).toBe(true);
  for (const bad of ["", "aapl", "BTC USD", "#connection", "/USD", "A".repeat(33), "ÄPFEL", 7, null]) expect(isSymbol(bad)).toBe(false);
});

test("integerEnv takes the default when unset and names the variable when invalid", () => {
  delete process.env.TEST_INT;
  expect(integerEnv("TEST_INT", 5, 1, 10)).toBe(5);
  process.env.TEST_INT = "11";
  expect(() => integerEnv("TEST_INT", 5, 1, 10)).toThrow('environment variable TEST_INT="11": expected an integer from 1 to 10');
  process.env.TEST_INT = "2.5";
  expect(() => integerEnv("TEST_INT", 5, 1, 10)).toThrow("TEST_INT");
  delete process.env.TEST_INT;
});
