/**
 * Executes a plan as RxJS streams of packets keyed by sample id.
 *
 * Evaluation is demand-driven: a map node emits its output packets as soon as its inputs are joined, each
 * holding a lazy value; the work runs when a consumer asks for the value (sinks, side-effect nodes and
 * reduce nodes ask at once). So a cached node never forces its upstream, a fan-out runs its producer once
 * (the lazy value is shared), and parallel branches run concurrently. Sources are pulled one item at a time
 * under a flow limit, which bounds memory on long streams.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { merge, Subject, map as rxMap } from 'rxjs';
import type {
  FeedSpec,
  ItemContext,
  Logger,
  MapNodeDefinition,
  NodeContext,
  ReduceNodeDefinition,
  ReduceRow,
  SourceNodeDefinition,
} from './contract.js';
import { DiskCache, type CacheStats } from './cache.js';
import {
  AffectflowError,
  CancelledError,
  DeadlockError,
  errorMessage,
  NodeExecutionError,
  SkipSample,
} from './errors.js';
import { FlowLimiter, Lazy, Semaphore, type Ticket } from './flow.js';
import { hashValue } from './hash.js';
import { NotSerializableError } from './serialize.js';
import { liveNodes, type Plan, type PlannedNode } from './plan.js';
import { assembleInputs, KeyedJoin, memo, Packet, type Slot } from './join.js';
import { ProgressBoard } from './progress.js';


export interface RunOptions {
  runDir: string;
  /** Directory of the output cache; undefined disables caching. */
  cacheDir?: string;
  signal?: AbortSignal;
  log?: Logger;
  progress?: ProgressBoard;
  /** Items a source may have in flight (default 16). */
  maxInFlight?: number;
  /** How long the run may sit with nothing to do before it is declared stuck (ms, default 2000). */
  stallMs?: number;
}

export interface SkipRecord {
  nodeId: string;
  key: string;
  reason: string;
}

export interface RunResult {
  /** Single-valued outputs by `nodeId.port`. */
  singletons: Record<string, unknown>;
  metrics: Record<string, Record<string, unknown>>;
  skipped: SkipRecord[];
  counts: ReturnType<ProgressBoard['summary']>;
  cache?: CacheStats;
}

/** A skip that has already been recorded at the node where it happened. */
class PropagatedSkip extends SkipSample {}

const BROADCAST_KEY = '*';


export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };

export class Execution {
  private readonly subjects = new Map<string, Subject<Packet>>();
  private readonly cache: DiskCache | undefined;
  private readonly abort = new AbortController();
  private readonly progress: ProgressBoard;
  private readonly log: Logger;
  private readonly shared = new Map<string, Promise<unknown>>();
  private readonly teardowns: Array<() => void | Promise<void>> = [];
  private readonly skipped: SkipRecord[] = [];
  private readonly metrics: Record<string, Record<string, unknown>> = {};
  private readonly singletons: Record<string, unknown> = {};
  private readonly limiters: FlowLimiter[] = [];
  private readonly joins = new Map<string, KeyedJoin>();
  private readonly sourceStarters: Array<() => Promise<void>> = [];
  /** Nodes that will run (the others are unused branches). */
  private readonly live: Set<string>;
  private fatal: unknown;
  private failRun!: (e: unknown) => void;
  private readonly failed: Promise<never>;
  /** Async operations under way; used to tell a stall from slow work. */
  private busy = 0;
  private activity = 0;

  constructor(
    private readonly plan: Plan,
    private readonly options: RunOptions,
  ) {
    // One abort listener per node's semaphore; many nodes are normal, not a leak.
    setMaxListeners(0, this.abort.signal);
    this.live = liveNodes(plan);
    this.cache = options.cacheDir ? new DiskCache(options.cacheDir) : undefined;
    this.cache?.sweepTemporaries();
    this.progress = options.progress ?? new ProgressBoard(undefined);
    this.log = options.log ?? silentLogger;
    this.failed = new Promise<never>((_, reject) => {
      this.failRun = reject;
    });
    this.failed.catch(() => undefined);
    const external = options.signal;
    if (external) {
      if (external.aborted) this.fail(new CancelledError());
      external.addEventListener('abort', () => this.fail(new CancelledError()), { once: true });
    }
  }

  private fail(e: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = e;
    this.abort.abort();
    this.failRun(e);
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private subject(nodeId: string, port: string): Subject<Packet> {
    const k = `${nodeId}.${port}`;
    let s = this.subjects.get(k);
    if (!s) {
      s = new Subject<Packet>();
      this.subjects.set(k, s);
    }
    return s;
  }

  private context(node: PlannedNode): NodeContext<Record<string, unknown>> {
    const nodeLog: Logger = {
      info: (m) => this.log.info(`${node.id}: ${m}`),
      warn: (m) => this.log.warn(`${node.id}: ${m}`),
      debug: (m) => this.log.debug(`${node.id}: ${m}`),
    };
    const runDir = this.options.runDir;
    return {
      nodeId: node.id,
      nodeType: node.def.type,
      params: node.params,
      graphFile: node.resolved.file,
      runDir,
      log: nodeLog,
      progress: { update: (task, done, total, detail) => this.progress.task(node.id, task, done, total, detail) },
      signal: this.signal,
      shared: <T>(key: string, factory: () => Promise<T>): Promise<T> => {
        let p = this.shared.get(key);
        if (!p) {
          p = factory();
          this.shared.set(key, p);
        }
        return p as Promise<T>;
      },
      onTeardown: (fn) => this.teardowns.push(fn),
      writeOutput: (rel, data) => writeAtomic(path.resolve(runDir, rel), data),
      reportMetrics: (m) => {
        this.metrics[node.id] = { ...(this.metrics[node.id] ?? {}), ...m };
      },
    };
  }

  private slots(node: PlannedNode): Slot[] {
    const slots: Slot[] = [];
    for (const input of node.inputs) {
      if (input.spec.symbolic) {
        const sym = this.plan.symbolic.get(`${node.id}.${input.port}`);
        for (const feed of sym?.feeds ?? []) {
          const dot = feed.name.lastIndexOf('.');
          slots.push({
            port: input.port,
            index: feed.name,
            kind: 'feed',
            stream: this.subject(feed.name.slice(0, dot), feed.name.slice(dot + 1)),
          });
        }
        continue;
      }
      input.sources.forEach((src, index) => {
        const producer = this.plan.nodes.get(src.nodeId)!;
        const singleton = producer.def.outputs[src.port]?.singleton === true;
        slots.push({
          port: input.port,
          index,
          kind: input.spec.broadcast || (singleton && !hasKeyedSibling(node, this.plan)) ? 'broadcast' : 'keyed',
          stream: this.subject(src.nodeId, src.port),
        });
      });
    }
    return slots;
  }

  private emit(node: PlannedNode, key: string, fp: () => string, job: Lazy<Record<string, unknown>>, tickets: Ticket[]): void {
    for (const port of Object.keys(node.def.outputs)) {
      const value = new Lazy(async () => {
        const outputs = await job.get();
        return outputs[port];
      });
      this.subject(node.id, port).next(new Packet(key, () => hashValue(fp(), port), value, tickets));
    }
  }

  private complete(node: PlannedNode): void {
    for (const port of Object.keys(node.def.outputs)) this.subject(node.id, port).complete();
  }

  private recordSkip(node: PlannedNode, key: string, reason: string): PropagatedSkip {
    this.skipped.push({ nodeId: node.id, key, reason });
    this.log.warn(`${node.id}: skipped sample "${key}": ${reason}`);
    return new PropagatedSkip(reason);
  }

  /** Turn a node's own failure into the error its consumers see, per the node's error policy. */
  private nodeFailure(node: PlannedNode, key: string, e: unknown): unknown {
    if (e instanceof PropagatedSkip || e instanceof CancelledError) return e;
    if (e instanceof SkipSample) return this.recordSkip(node, key, e.reason);
    if (node.onError === 'skip') return this.recordSkip(node, key, errorMessage(e));
    return new NodeExecutionError(node.id, node.def.type, key === BROADCAST_KEY ? undefined : key, e);
  }

  /** Values of input packets; a skipped or failed input ends this item the same way. */
  private async force(packets: Packet[]): Promise<unknown[]> {
    try {
      return await Promise.all(packets.map((p) => p.value.get()));
    } catch (e) {
      if (e instanceof SkipSample && !(e instanceof PropagatedSkip)) throw new PropagatedSkip(e.reason);
      throw e;
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.busy++;
    this.activity++;
    return p.finally(() => {
      this.busy--;
      this.activity++;
    });
  }

  // ---------------------------------------------------------------- sources

  private startSource(node: PlannedNode): Promise<void> {
    const def = node.def as SourceNodeDefinition<Record<string, unknown>>;
    // A source's items are identified by their content, not by the params that found them (a `limit` or a
    // list of required files must not change the identity of the clips).
    const identity = hashValue(def.type, def.version);
    const ctx = this.context(node);
    const limiter = new FlowLimiter(this.options.maxInFlight ?? 16);
    this.limiters.push(limiter);
    const outputs = Object.keys(def.outputs);
    return new Promise<void>((resolve, reject) => {
      this.sourceStarters.push(async () => {
        try {
          if (def.count) {
            const total = await this.track(def.count(ctx));
            if (total !== undefined) {
              this.progress.node(node.id).total = total;
              this.estimateTotals();
            }
          }
          const iterator = def.items(ctx)[Symbol.asyncIterator]();
          const seen = new Set<string>();
          for (;;) {
            const ticket = await limiter.acquire(this.signal);
            if (this.signal.aborted) throw new CancelledError();
            this.progress.begin(node.id);
            const next = await this.track(iterator.next());
            if (next.done) {
              this.progress.end(node.id, 'failed');
              ticket.release();
              break;
            }
            const item = next.value;
            if (seen.has(item.key)) throw new AffectflowError(`produced sample key "${item.key}" twice`, { nodeId: node.id });
            seen.add(item.key);
            for (const port of outputs) {
              if (!(port in item.outputs)) {
                throw new AffectflowError(`item "${item.key}" lacks output "${port}"`, { nodeId: node.id, port });
              }
            }
            for (const port of outputs) {
              const fp = () => hashValue(identity, item.key, port, item.fingerprints?.[port] ?? item.outputs[port]);
              this.subject(node.id, port).next(new Packet(item.key, fp, Lazy.of(item.outputs[port]), [ticket]));
            }
            this.progress.end(node.id, 'done');
            ticket.release();
          }
          this.complete(node);
          resolve();
        } catch (e) {
          const err = e instanceof CancelledError || e instanceof AffectflowError ? e : new NodeExecutionError(node.id, def.type, undefined, e);
          this.fail(err);
          reject(err);
        }
      });
    });
  }

  // ---------------------------------------------------------------- map nodes

  private startMap(node: PlannedNode): Promise<void> {
    const def = node.def as MapNodeDefinition<Record<string, unknown>, unknown>;
    const identity = nodeIdentity(node);
    const ctx = this.context(node);
    const sem = new Semaphore(node.concurrency, this.signal);
    // A failed setup (e.g. a missing model) fails the run once, naming the node, not each sample.
    const state = new Lazy(async () => {
      try {
        return def.setup ? await def.setup(ctx) : undefined;
      } catch (e) {
        throw e instanceof CancelledError ? e : new NodeExecutionError(node.id, def.type, undefined, e);
      }
    });
    // Nodes without outputs (writers) and side-effect nodes run for every item; any other node runs only when
    // something downstream asks for its outputs, so an unused branch of a shared subgraph costs nothing.
    const eager = def.sideEffects === true || Object.keys(def.outputs).length === 0;
    if (!this.live.has(node.id)) this.log.debug(`${node.id}: outputs unused; it will not run`);
    const symbolicPorts = node.inputs.filter((i) => i.spec.symbolic).map((i) => i.port);
    const pending: Array<Promise<unknown>> = [];

    const runJob = async (key: string, fp: () => string, slots: Slot[], packets: Packet[]): Promise<Record<string, unknown>> => {
      if (this.cache && node.cache) {
        const hit = await this.cache.get(def.type, fp());
        if (hit !== undefined) {
          this.progress.hit(node.id);
          return hit as Record<string, unknown>;
        }
      }
      const values = await this.force(packets);
      const inputs = assembleInputs(node, slots, values, symbolicPorts, this.plan);
      const s = await state.get();
      await sem.acquire();
      this.progress.begin(node.id);
      let outputs: Record<string, unknown>;
      const itemTasks = new Set<string>();
      try {
        const itemCtx: ItemContext<Record<string, unknown>> = {
          ...ctx,
          // Tasks reported while working on one item end with it.
          progress: {
            update: (task, done, total, detail) => {
              itemTasks.add(task);
              this.progress.task(node.id, task, done, total, detail);
            },
          },
          key,
          skip: (reason: string): never => {
            throw new SkipSample(reason);
          },
        };
        outputs = await def.run(inputs, itemCtx, s);
      } catch (e) {
        this.progress.end(node.id, e instanceof SkipSample || node.onError === 'skip' ? 'skipped' : 'failed');
        throw this.nodeFailure(node, key, e);
      } finally {
        sem.release();
        for (const t of itemTasks) this.progress.endTask(node.id, t);
      }
      const missing = Object.keys(def.outputs).filter((p) => !(p in (outputs ?? {})));
      if (missing.length) {
        this.progress.end(node.id, 'failed');
        throw new NodeExecutionError(node.id, def.type, key, new Error(`run() returned no value for output(s) ${missing.join(', ')}`));
      }
      if (this.cache && node.cache) {
        try {
          await this.cache.put(def.type, fp(), outputs);
        } catch (e) {
          this.progress.end(node.id, 'failed');
          if (e instanceof NotSerializableError) {
            throw new NodeExecutionError(node.id, def.type, key, new Error(`output cannot be cached: ${e.message}`));
          }
          throw e;
        }
      }
      this.progress.end(node.id, 'done');
      return outputs;
    };

    return this.joinInputs(node, (key, slots, packets, tickets) => {
      const fp = memo(() => hashValue(identity, packets.map((p) => p.fp)));
      const job = new Lazy(() => this.track(runJob(key, fp, slots, packets)));
      this.emit(node, key, fp, job, tickets);
      if (eager) {
        const done = job.get().then(
          () => undefined,
          (e) => {
            if (!(e instanceof SkipSample)) this.fail(e);
          },
        );
        pending.push(done.finally(() => tickets.forEach((t) => t.release())));
      } else tickets.forEach((t) => t.release());
    }).then(async () => {
      await Promise.all(pending);
      this.complete(node);
    });
  }

  // ---------------------------------------------------------------- reduce nodes

  private startReduce(node: PlannedNode): Promise<void> {
    const def = node.def as ReduceNodeDefinition<Record<string, unknown>>;
    const identity = nodeIdentity(node);
    const ctx = this.context(node);
    const rows: Array<Promise<{ key: string; fp: string; inputs?: Record<string, unknown> }>> = [];
    const symbolicPorts = node.inputs.filter((i) => i.spec.symbolic).map((i) => i.port);
    let broadcast: Record<string, unknown> = {};
    let broadcastFps: string[] = [];

    return this.joinInputs(
      node,
      (key, slots, packets, tickets) => {
        const fp = hashValue(packets.map((p) => p.fp));
        const row = this.track(this.force(packets))
          .then((values) => ({ key, fp, inputs: assembleInputs(node, slots, values, symbolicPorts, this.plan, true) }))
          .catch((e: unknown) => {
            if (e instanceof SkipSample) return { key, fp };
            this.fail(e);
            throw e;
          })
          .finally(() => tickets.forEach((t) => t.release()));
        row.catch(() => undefined);
        rows.push(row);
      },
      (values, fps) => {
        broadcast = values;
        broadcastFps = fps;
      },
    ).then(async () => {
      const settled = await Promise.all(rows);
      const kept: ReduceRow[] = [];
      for (const r of settled) if (r.inputs) kept.push({ key: r.key, inputs: r.inputs });
      for (const port of symbolicPorts) broadcast[port] = this.plan.symbolic.get(`${node.id}.${port}`);
      this.progress.begin(node.id);
      let result;
      try {
        result = await this.track(def.run(kept, broadcast, ctx));
      } catch (e) {
        this.progress.end(node.id, 'failed');
        const err = e instanceof CancelledError ? e : new NodeExecutionError(node.id, def.type, undefined, e);
        this.fail(err);
        throw err;
      }
      this.progress.end(node.id, 'done');
      this.progress.endTasks(node.id);
      const fp = hashValue(identity, settled.map((r) => r.fp).sort(), broadcastFps);
      for (const item of result.items ?? []) {
        const outputs = item.outputs;
        this.emit(node, item.key, () => hashValue(fp, item.key), Lazy.of(outputs), []);
      }
      const singles = result.singletons ?? {};
      for (const [port, value] of Object.entries(singles)) {
        this.singletons[`${node.id}.${port}`] = value;
        this.subject(node.id, port).next(new Packet(BROADCAST_KEY, () => hashValue(fp, port), Lazy.of(value), []));
      }
      this.complete(node);
    });
  }

  // ---------------------------------------------------------------- joining

  /**
   * Join a node's input slots by key. Broadcast slots are awaited first; items that must wait for them are
   * parked without holding flow tickets (their values are lazy, so parking is cheap), since a broadcast
   * value may need the whole stream to finish first (a trained model).
   */
  private joinInputs(
    node: PlannedNode,
    onJoined: (key: string, slots: Slot[], packets: Packet[], tickets: Ticket[]) => void,
    onBroadcast?: (values: Record<string, unknown>, fps: string[]) => void,
  ): Promise<void> {
    const slots = this.slots(node);
    const keyed = slots.filter((s) => s.kind !== 'broadcast');
    const broadcasts = slots.filter((s) => s.kind === 'broadcast');
    const broadcastPackets: Array<Packet | undefined> = broadcasts.map(() => undefined);
    let broadcastReady = broadcasts.length === 0;
    const parked: Array<{ key: string; packets: Packet[] }> = [];

    const fire = (key: string, keyedPackets: Packet[], tickets: Ticket[]): void => {
      const all = [...keyedPackets, ...(broadcastPackets as Packet[])];
      onJoined(key, [...keyed, ...broadcasts], all, tickets);
    };

    const join = new KeyedJoin(node, keyed.length, (key, packets) => {
      const tickets = packets.flatMap((p) => p.tickets);
      if (broadcastReady) {
        fire(key, packets, tickets);
      } else {
        parked.push({ key, packets });
        tickets.forEach((t) => t.release());
      }
    });
    this.joins.set(node.id, join);

    return new Promise<void>((resolve, reject) => {
      let broadcastsSettled: Promise<void> = Promise.resolve();
      const onBroadcastsReady = async (): Promise<void> => {
        broadcastReady = true;
        if (onBroadcast) {
          const values = await this.force(broadcastPackets as Packet[]);
          const byPort: Record<string, unknown> = {};
          broadcasts.forEach((s, i) => (byPort[s.port] = values[i]));
          onBroadcast(byPort, (broadcastPackets as Packet[]).map((p) => p.fp));
        }
        // Parked items gave their tickets back when parked; they no longer count against the flow limit.
        for (const p of parked.splice(0)) fire(p.key, p.packets, []);
      };
      const finish = async (): Promise<void> => {
        try {
          await broadcastsSettled;
          if (!broadcastReady) {
            const missing = broadcasts.filter((_, i) => !broadcastPackets[i]).map((s) => s.port);
            throw new AffectflowError(`input "${missing.join('", "')}" received no value`, { nodeId: node.id, port: missing[0]! });
          }
          if (keyed.length === 0) fire(BROADCAST_KEY, [], []); // a node fed only by single values runs once
          else join.checkComplete();
          resolve();
        } catch (e) {
          this.fail(e);
          reject(e);
        }
      };
      if (slots.length === 0) {
        queueMicrotask(() => void finish());
        return;
      }
      const tagged = slots.map((slot, i) => slot.stream.pipe(rxMap((packet) => ({ i, packet }))));
      merge(...tagged).subscribe({
        next: ({ i, packet }) => {
          const slot = slots[i]!;
          if (slot.kind === 'broadcast') {
            const bi = broadcasts.indexOf(slot);
            if (broadcastPackets[bi]) {
              this.fail(new AffectflowError(`input "${slot.port}" takes one value but received several`, { nodeId: node.id, port: slot.port }));
              return;
            }
            broadcastPackets[bi] = packet;
            if (broadcastPackets.every((p) => p)) {
              broadcastsSettled = onBroadcastsReady();
              broadcastsSettled.catch((e: unknown) => this.fail(e));
            }
            return;
          }
          packet.tickets.forEach((t) => t.ref());
          try {
            join.push(keyed.indexOf(slot), packet);
          } catch (e) {
            this.fail(e);
          }
        },
        complete: () => void finish(),
        error: (e: unknown) => {
          this.fail(e);
          reject(e);
        },
      });
    });
  }

  // ---------------------------------------------------------------- whole run

  async run(): Promise<RunResult> {
    const started: Array<Promise<void>> = [];
    const { nodes, order } = this.plan;
    for (const id of order) {
      const node = nodes.get(id)!;
      switch (node.def.kind) {
        case 'source':
          started.push(this.startSource(node));
          break;
        case 'map':
          started.push(this.startMap(node));
          break;
        case 'reduce':
          started.push(this.startReduce(node));
          break;
        case 'symbolic':
          break;
      }
    }
    this.estimateTotals();
    started.forEach((p) => p.catch(() => undefined));
    this.progress.start();
    const watchdog = this.startWatchdog();
    try {
      await Promise.race([Promise.all([...this.sourceStarters.map((s) => s()), ...started]), this.failed]);
      if (this.fatal !== undefined) throw this.fatal;
    } catch (e) {
      throw this.fatal ?? e;
    } finally {
      clearInterval(watchdog);
      this.progress.stop();
      for (const t of this.teardowns.reverse()) await Promise.resolve(t()).catch(() => undefined);
    }
    const result: RunResult = {
      singletons: this.singletons,
      metrics: this.metrics,
      skipped: this.skipped,
      counts: this.progress.summary(),
    };
    if (this.cache) result.cache = this.cache.stats;
    return result;
  }

  /** Expected item counts: a map node sees as many items as the sources feeding it produce. */
  private estimateTotals(): void {
    for (const id of this.plan.order) {
      const node = this.plan.nodes.get(id)!;
      if (node.def.kind !== 'map') continue;
      let total: number | undefined;
      for (const input of node.inputs) {
        if (input.spec.broadcast || input.spec.symbolic) continue;
        for (const s of input.sources) {
          const t = this.progress.node(s.nodeId).total;
          const producer = this.plan.nodes.get(s.nodeId)!;
          if (producer.def.outputs[s.port]?.singleton) continue;
          if (t !== undefined) total = total === undefined ? t : Math.min(total, t);
        }
      }
      if (total !== undefined) this.progress.node(id).total = total;
    }
  }

  private startWatchdog(): NodeJS.Timeout {
    const stallMs = this.options.stallMs ?? 2000;
    let lastActivity = -1;
    let quietSince = Date.now();
    const timer = setInterval(() => {
      const blocked = this.limiters.some((l) => l.blocked);
      if (!blocked || this.busy > 0 || this.activity !== lastActivity) {
        lastActivity = this.activity;
        quietSince = Date.now();
        return;
      }
      if (Date.now() - quietSince < stallMs) return;
      const waiting = [...this.joins.entries()]
        .map(([id, j]) => j.describeWaiting(id))
        .filter((s): s is string => s !== undefined);
      this.fail(
        new DeadlockError(
          'the run is stuck: sources wait for capacity while items wait to be joined' +
            (waiting.length ? `:\n  ${waiting.join('\n  ')}` : '') +
            '\nhint: sources joined by key must produce keys in compatible orders; or raise --max-in-flight',
        ),
      );
    }, Math.max(50, Math.min(500, stallMs / 4)));
    timer.unref();
    return timer;
  }
}

/** Hash of what makes a node's outputs what they are, apart from its inputs. */
function nodeIdentity(node: PlannedNode): string {
  return hashValue(node.def.type, node.def.version, node.params);
}

function hasKeyedSibling(node: PlannedNode, plan: Plan): boolean {
  return node.inputs.some(
    (input) =>
      !input.spec.broadcast &&
      !input.spec.symbolic &&
      input.sources.some((s) => !plan.nodes.get(s.nodeId)!.def.outputs[s.port]?.singleton),
  ) || node.inputs.some((input) => input.spec.symbolic);
}

/** Write a file so readers see either the old content or the complete new one. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
  return file;
}

export function executePlan(plan: Plan, options: RunOptions): Promise<RunResult> {
  return new Execution(plan, options).run();
}

export type { FeedSpec };
export { Packet };
