// Concurrency with two bounds: a number of calls and a budget of weights (bytes, say), so that
// many small items run together while a few large ones do not exhaust memory. Pure scheduling.

/**
 * Maps with at most `limit` calls in flight and their weights adding up to at most `budget`
 * (one call always runs, whatever its weight); calls start in input order, results keep it.
 */
export async function mapBudgeted<T, R>(items: readonly T[], limit: number, budget: number, weight: (item: T) => Promise<number>, work: (item: T) => Promise<R>): Promise<R[]> {
  const weights = await Promise.all(items.map(weight));
  const results = new Array<R>(items.length);
  let next = 0;
  let running = 0;
  let used = 0;
  return new Promise<R[]>((resolve, reject) => {
    let failed = false;
    const start = (): void => {
      while (!failed && next < items.length && running < limit && (running === 0 || used + (weights[next] as number) <= budget)) {
        const index = next++;
        const cost = weights[index] as number;
        running++;
        used += cost;
        work(items[index] as T).then(
          (result) => {
            results[index] = result;
            running--;
            used -= cost;
            if (next === items.length && running === 0) resolve(results);
            else start();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    if (items.length === 0) resolve(results);
    else start();
  });
}
