/**
 * Flow control. RxJS has no backpressure, so the runtime bounds work explicitly:
 *  - `Semaphore` caps how many items one node processes at once;
 *  - `FlowLimiter` caps how many items a source has in flight. Every item a source emits gets a `Ticket`;
 *    packets derived from it carry the ticket, each consumer holding the packet takes a reference and drops
 *    it when done, and the source may pull its next item only while fewer than `max` tickets are alive.
 */
import { CancelledError } from './errors.js';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(
    readonly limit: number,
    private readonly signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', () => {
      for (const w of this.waiting.splice(0)) w.reject(new CancelledError());
    });
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async acquire(): Promise<void> {
    if (this.signal?.aborted) throw new CancelledError();
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.active++;
  }

  release(): void {
    this.active--;
    this.waiting.shift()?.resolve();
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

export class Ticket {
  private refs = 1;
  constructor(private readonly limiter: FlowLimiter) {}

  ref(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.limiter.retire();
    if (this.refs < 0) throw new Error('ticket released more often than referenced');
  }
}

export class FlowLimiter {
  private alive = 0;
  private wake: (() => void) | undefined;
  /** True while the source waits for capacity (for deadlock detection). */
  blocked = false;

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.alive;
  }

  /** Wait until fewer than `max` items are in flight, then take a ticket (holding one reference). */
  async acquire(signal?: AbortSignal): Promise<Ticket> {
    while (this.alive >= this.max) {
      if (signal?.aborted) throw new CancelledError();
      this.blocked = true;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        this.wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      this.blocked = false;
    }
    this.alive++;
    return new Ticket(this);
  }

  retire(): void {
    this.alive--;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** A value computed at most once, when first asked for. */
export class Lazy<T> {
  private promise: Promise<T> | undefined;
  constructor(private readonly compute: () => Promise<T>) {}

  static of<T>(value: T): Lazy<T> {
    const l = new Lazy(() => Promise.resolve(value));
    return l;
  }

  get started(): boolean {
    return this.promise !== undefined;
  }

  get(): Promise<T> {
    this.promise ??= this.compute();
    return this.promise;
  }
}
