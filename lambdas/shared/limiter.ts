export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `concurrency` tasks at a time, in submission order. */
export function createLimiter(concurrency: number): Limit {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const waiting: Array<() => void> = [];
  let head = 0;
  let active = 0;

  const next = (): void => {
    if (active >= concurrency || head >= waiting.length) return;
    active++;
    const start = waiting[head];
    waiting[head++] = noop; // drop the reference; an index instead of shift() keeps a 10,000-task queue O(n)
    start();
  };

  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        // A task that throws synchronously must still release its slot.
        Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}

function noop(): void {}
