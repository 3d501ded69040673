/**
 * Matrix products split across threads for the single-threaded tfjs-wasm backend.
 *
 * tfjs-wasm runs XNNPACK on one thread in Node (its threaded build is disabled there), so a training step
 * uses one core. This module starts worker threads, each with its own tfjs-wasm instance, and computes a
 * product A·B by rows: the main thread does the first block of rows while each worker does one of the
 * others; inputs and results travel through a SharedArrayBuffer per worker, jobs are handed over with
 * Atomics (no event-loop turn needed, so it works inside synchronous tfjs kernels). A right operand that
 * is reused for many products (the recurrent weights, once per time step) is kept in the workers.
 *
 * Used only by the `fast` LSTM kernels (wasm, cpu). Threads: `AFFECTFLOW_TF_THREADS` (total, including the
 * main thread; 1 disables the workers), default min(available cores, 4). Products below
 * `parallelSettings.minMacs` (kernels.ts) stay on the calling thread. Note that on a shared (virtual) machine
 * the gain depends on the neighbours: on our 2-vCPU VM two concurrent GEMMs ran anywhere from as fast as one
 * alone to 2.3× slower each.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

const CTRL_JOB = 0;
const CTRL_DONE = 1;
const CTRL_READY = 2;

/** The worker: a CommonJS script run with `eval`, so it ships inside this module. */
const WORKER_SOURCE = String.raw`
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const tf = require(workerData.tfCore);
require(workerData.tfWasm);
const ctrl = new Int32Array(workerData.control);
const port = workerData.port;
let data = null;
const cache = new Map();
(async () => {
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend unavailable');
    await tf.ready();
  } catch (e) {
    Atomics.store(ctrl, ${CTRL_READY}, -1);
    Atomics.notify(ctrl, ${CTRL_READY});
    return;
  }
  Atomics.store(ctrl, ${CTRL_READY}, 1);
  Atomics.notify(ctrl, ${CTRL_READY});
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, ${CTRL_JOB}, seen);
    seen = Atomics.load(ctrl, ${CTRL_JOB});
    const received = receiveMessageOnPort(port);
    if (!received) continue;
    const job = received.message;
    try {
      if (job.data) data = new Float32Array(job.data);
      for (const key of job.evict) { cache.get(key)?.dispose(); cache.delete(key); }
      const a = tf.tensor2d(data.subarray(job.aOffset, job.aOffset + job.m * job.k), [job.m, job.k]);
      let b = cache.get(job.bKey);
      const temporary = !b && !job.cacheB;
      if (!b) {
        b = tf.tensor2d(data.subarray(job.bOffset, job.bOffset + job.k * job.n), [job.k, job.n]);
        if (job.cacheB) cache.set(job.bKey, b);
      }
      const out = tf.matMul(a, b);
      data.set(tf.backend().typedArrayFromHeap(out), job.outOffset);
      a.dispose();
      out.dispose();
      if (temporary) b.dispose();
      port.postMessage({ seq: job.seq });
    } catch (e) {
      port.postMessage({ seq: job.seq, error: String(e && e.stack || e) });
    }
    Atomics.store(ctrl, ${CTRL_DONE}, job.seq);
    Atomics.notify(ctrl, ${CTRL_DONE});
  }
})();
`;

interface WorkerJob {
  seq: number;
  data?: SharedArrayBuffer;
  evict: number[];
  m: number;
  k: number;
  n: number;
  aOffset: number;
  bOffset: number;
  bKey: number;
  cacheB: boolean;
  outOffset: number;
}

const CACHE_LIMIT = 4;

class MatMulWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl: Int32Array;
  private data = new Float32Array(new SharedArrayBuffer(4 * 1024 * 1024));
  private sentData = false;
  private seq = 0;
  /** Keys of right operands the worker holds, least recently used first. */
  private cached: number[] = [];
  private pendingEvictions: number[] = [];
  failed = false;

  constructor(modules: { tfCore: string; tfWasm: string }) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    const control = new SharedArrayBuffer(16 * 4);
    this.ctrl = new Int32Array(control);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...modules, control, port: channel.port2 },
      transferList: [channel.port2],
    });
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', () => (this.failed = true));
    this.worker.on('exit', () => (this.failed = true));
  }

  /** 1 ready, -1 failed, 0 starting. */
  get state(): number {
    return this.failed ? -1 : Atomics.load(this.ctrl, CTRL_READY);
  }

  waitReady(timeoutMs: number): boolean {
    Atomics.wait(this.ctrl, CTRL_READY, 0, timeoutMs);
    return this.state === 1;
  }

  /** Post A-rows [m, k] (and B [k, n] unless cached) and start the product. */
  start(a: Float32Array, m: number, k: number, b: Float32Array, n: number, bKey: number, cacheB: boolean): void {
    const haveB = this.cached.includes(bKey);
    const need = m * k + (haveB ? 0 : k * n) + m * n;
    let grown: SharedArrayBuffer | undefined;
    if (need > this.data.length || !this.sentData) {
      if (need > this.data.length) this.data = new Float32Array(new SharedArrayBuffer(Math.max(need, 2 * this.data.length) * 4));
      grown = this.data.buffer as SharedArrayBuffer;
      this.sentData = true;
    }
    this.data.set(a, 0);
    const bOffset = m * k;
    if (!haveB) this.data.set(b, bOffset);
    if (haveB) this.cached = [...this.cached.filter((x) => x !== bKey), bKey];
    else if (cacheB) {
      this.cached.push(bKey);
      while (this.cached.length > CACHE_LIMIT) this.pendingEvictions.push(this.cached.shift()!);
    }
    const job: WorkerJob = {
      seq: ++this.seq,
      ...(grown ? { data: grown } : {}),
      evict: this.pendingEvictions,
      m,
      k,
      n,
      aOffset: 0,
      bOffset,
      bKey,
      cacheB: cacheB && !haveB,
      outOffset: bOffset + (haveB ? 0 : k * n),
    };
    this.pendingEvictions = [];
    this.port.postMessage(job);
    Atomics.store(this.ctrl, CTRL_JOB, job.seq);
    Atomics.notify(this.ctrl, CTRL_JOB);
    this.lastOutOffset = job.outOffset;
    this.lastOutSize = m * n;
  }

  private lastOutOffset = 0;
  private lastOutSize = 0;

  /** Block until the product is done; returns a view of the result rows (valid until the next job). */
  finish(): Float32Array {
    const deadline = Date.now() + 30 * 60 * 1000;
    while (Atomics.load(this.ctrl, CTRL_DONE) !== this.seq) {
      if (this.failed) throw new Error('matmul worker thread stopped');
      if (Date.now() > deadline) throw new Error('matmul worker thread did not answer in 30 minutes');
      Atomics.wait(this.ctrl, CTRL_DONE, Atomics.load(this.ctrl, CTRL_DONE), 1000);
    }
    const reply = receiveMessageOnPort(this.port)?.message as { seq: number; error?: string } | undefined;
    if (reply?.error) throw new Error(`matmul worker failed: ${reply.error}`);
    return this.data.subarray(this.lastOutOffset, this.lastOutOffset + this.lastOutSize);
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

let pool: MatMulWorker[] | undefined;

/** Total threads to use (main + workers). */
export function matMulThreads(): number {
  const env = Number(process.env['AFFECTFLOW_TF_THREADS']);
  if (Number.isInteger(env) && env >= 1) return env;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 4));
}

/**
 * Start the worker threads (once); they become usable when their tfjs-wasm has initialised.
 * @param threads total threads including this one (default `matMulThreads()`); a different explicit count
 *   replaces the running workers.
 */
export function startMatMulWorkers(threads?: number): void {
  if (pool && (threads === undefined || pool.length + 1 === threads)) return;
  stopMatMulWorkers();
  const total = threads ?? matMulThreads();
  pool = [];
  if (total <= 1) return;
  try {
    const require = createRequire(import.meta.url);
    const modules = { tfCore: require.resolve('@tensorflow/tfjs-core'), tfWasm: require.resolve('@tensorflow/tfjs-backend-wasm') };
    for (let i = 1; i < total; i++) pool.push(new MatMulWorker(modules));
  } catch {
    pool = [];
  }
}

/**
 * Start the workers and wait (blocking, up to `timeoutMs`) until they can take work.
 * @returns the number of workers ready.
 */
export function matMulWorkersReady(timeoutMs = 60_000, threads?: number): number {
  startMatMulWorkers(threads);
  return pool!.filter((w) => w.waitReady(timeoutMs)).length;
}

/** The workers ready now (never blocks). */
export function readyWorkers(): MatMulWorker[] {
  return (pool ?? []).filter((w) => w.state === 1);
}

export function stopMatMulWorkers(): void {
  for (const w of pool ?? []) w.terminate();
  pool = undefined;
}

export type { MatMulWorker };
