/** Async-iterable helpers for one-pass streams. */

/**
 * Maps `source` with an async `fn`, keeping up to `ahead` calls running beyond the item being consumed
 * (so decoding, inference and the consumer overlap), and yields results in order. Stopping early stops
 * the source; an error in `fn` or the source ends the stream with that error.
 */
export async function* mapAhead<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T) => Promise<R>,
  ahead = 1,
): AsyncGenerator<R, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  const pending: Array<Promise<IteratorResult<R, undefined>>> = [];
  let done = false;
  try {
    // Reads of the source are chained so it is read strictly in order; each `fn` starts as soon as its
    // item arrives, so up to `ahead + 1` calls of `fn` may run at once.
    let chain: Promise<unknown> = Promise.resolve();
    const schedule = () => {
      const next = chain.then(() => (done ? ({ done: true, value: undefined } as const) : it.next()));
      chain = next.catch(() => undefined);
      const p = next.then(async (r): Promise<IteratorResult<R, undefined>> =>
        r.done ? { done: true, value: undefined } : { done: false, value: await fn(r.value) },
      );
      // Seen where `p` is awaited; this only keeps an unawaited rejection from being reported as unhandled.
      p.catch(() => undefined);
      pending.push(p);
    };
    for (let i = 0; i <= ahead; i++) schedule();
    for (;;) {
      const r = await pending.shift()!;
      if (r.done) {
        done = true;
        return;
      }
      schedule();
      yield r.value;
    }
  } finally {
    done = true;
    // Let in-flight work settle before closing the source, so nothing runs after we return.
    await Promise.allSettled(pending);
    await it.return?.();
  }
}
