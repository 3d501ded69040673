/**
 * The element-wise and data-movement pieces of the LSTM, in two implementations with one interface:
 *
 * - `fast`: custom TensorFlow.js kernels registered for the `wasm` and `cpu` backends that loop over the
 *   tensors' memory directly. On tfjs-wasm every built-in op pays a fixed cost (≈0.4–2 ms for a [32, 3072]
 *   sigmoid or tanh, most of it outside the arithmetic), `slice` copies its WHOLE input before cutting
 *   (so reading one time step of a [T·B, 4H] matrix costs a full copy), and `transpose` / `concat` run at
 *   ≈12–25 ns per value. One fused cell kernel per time step replaces ~15 such ops, reads its time step in
 *   place, and the 2-D transpose / row concatenation run at memory speed.
 * - `generic`: the same computations written with standard tfjs ops, used on every other backend
 *   (tfjs-node, where those ops are native and fast). Tests run both on the same golden data.
 *
 * Matrix products always stay with the backend (XNNPACK on wasm). Note that tfjs-wasm's matMul is fast only
 * without transpose flags (a transposed operand takes a naive path ≈10–40× slower), so callers transpose
 * explicitly with `transpose2d`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readyWorkers, startMatMulWorkers } from './parallel-matmul.js';

export interface CellForwardResult {
  /** Gate activations [B, 4H]: sigmoid(i), sigmoid(f), tanh(g), sigmoid(o). */
  act: tf.Tensor2D;
  c: tf.Tensor2D;
  h: tf.Tensor2D;
}

export interface CellBackwardResult {
  /** Gradient w.r.t. the gate pre-activations [B, 4H]. */
  dPre: tf.Tensor2D;
  /** Gradient w.r.t. the previous cell state [B, H]. */
  dcPrev: tf.Tensor2D;
}

/** A [B, H] block of rows of a matrix: `rows` starting at row `row` of `tensor` (which has H columns). */
export interface RowBlock {
  tensor: tf.Tensor2D;
  row: number;
}

export interface LstmKernels {
  readonly name: 'fast' | 'generic';
  /**
   * One LSTM cell step. Pre-activations are xproj[row … row+B) + bias + rec (rec absent at t = 0, meaning
   * h₋₁ = 0); cPrev absent means c₋₁ = 0.
   */
  cellForward(xproj: tf.Tensor2D, row: number, batch: number, bias: tf.Tensor1D, rec: tf.Tensor2D | null, cPrev: tf.Tensor2D | null): CellForwardResult;
  /**
   * Backward of one cell step. The gradient reaching h_t is the sum of the given blocks (from the layer
   * above or the read-out, and from step t+1); dcNext is the gradient reaching c_t from step t+1.
   */
  cellBackward(act: tf.Tensor2D, c: tf.Tensor2D, cPrev: tf.Tensor2D | null, dh: RowBlock[], dcNext: tf.Tensor2D | null): CellBackwardResult;
  transpose2d(x: tf.Tensor2D): tf.Tensor2D;
  /** Stack matrices with equal column counts on top of each other. */
  concatRows(xs: tf.Tensor2D[]): tf.Tensor2D;
  /** Rows start … start+count of a matrix (a copy). */
  rowSlice(x: tf.Tensor2D, start: number, count: number): tf.Tensor2D;
  /** Put matrices with equal row counts side by side. */
  concatColumns(xs: tf.Tensor2D[]): tf.Tensor2D;
  /** Columns start … start+count of a matrix (a copy). */
  colSlice(x: tf.Tensor2D, start: number, count: number): tf.Tensor2D;
  /**
   * a·b (no transposes). `reuseB`: b will be the right operand of many products (e.g. the recurrent
   * weights at every time step), worth keeping in worker threads.
   */
  matMul(a: tf.Tensor2D, b: tf.Tensor2D, reuseB?: boolean): tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------------------
// Generic implementation (standard ops).

function sliceCols(x: tf.Tensor2D, from: number, count: number): tf.Tensor2D {
  return tf.slice(x, [0, from], [x.shape[0], count]);
}

function rowsOf(block: RowBlock, batch: number): tf.Tensor2D {
  return block.row === 0 && block.tensor.shape[0] === batch ? block.tensor : tf.slice(block.tensor, [block.row, 0], [batch, block.tensor.shape[1]]);
}

export const genericKernels: LstmKernels = {
  name: 'generic',
  cellForward(xproj, row, batch, bias, rec, cPrev) {
    return tf.tidy(() => {
      const hidden = xproj.shape[1] / 4;
      let pre: tf.Tensor2D = tf.add(tf.slice(xproj, [row, 0], [batch, 4 * hidden]), bias);
      if (rec) pre = tf.add(pre, rec);
      const i = tf.sigmoid(sliceCols(pre, 0, hidden));
      const f = tf.sigmoid(sliceCols(pre, hidden, hidden));
      const g = tf.tanh(sliceCols(pre, 2 * hidden, hidden));
      const o = tf.sigmoid(sliceCols(pre, 3 * hidden, hidden));
      const c: tf.Tensor2D = cPrev ? tf.add(tf.mul(f, cPrev), tf.mul(i, g)) : tf.mul(i, g);
      const h: tf.Tensor2D = tf.mul(o, tf.tanh(c));
      return { act: tf.concat([i, f, g, o], 1), c, h };
    });
  },
  cellBackward(act, c, cPrev, dhBlocks, dcNext) {
    return tf.tidy(() => {
      const batch = act.shape[0];
      const hidden = act.shape[1] / 4;
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => sliceCols(act, k * hidden, hidden)) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      let dh: tf.Tensor2D = tf.zeros([batch, hidden]);
      for (const block of dhBlocks) dh = tf.add(dh, rowsOf(block, batch));
      const tc = tf.tanh(c);
      let dc: tf.Tensor2D = tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc)));
      if (dcNext) dc = tf.add(dc, dcNext);
      const dO = tf.mul(dh, tc);
      const dI = tf.mul(dc, g);
      const dF = cPrev ? tf.mul(dc, cPrev) : tf.zerosLike(dc);
      const dG = tf.mul(dc, i);
      const sig = (y: tf.Tensor2D): tf.Tensor2D => tf.mul(y, tf.sub(1, y));
      const dPre = tf.concat(
        [tf.mul(dI, sig(i)), tf.mul(dF, sig(f)), tf.mul(dG, tf.sub(1, tf.square(g))), tf.mul(dO, sig(o))],
        1,
      ) as tf.Tensor2D;
      return { dPre, dcPrev: tf.mul(dc, f) as tf.Tensor2D };
    });
  },
  transpose2d: (x) => tf.transpose(x),
  concatRows: (xs) => (xs.length === 1 ? tf.clone(xs[0]!) : tf.concat(xs, 0)),
  rowSlice: (x, start, count) => tf.slice(x, [start, 0], [count, x.shape[1]]),
  concatColumns: (xs) => (xs.length === 1 ? tf.clone(xs[0]!) : tf.concat(xs, 1)),
  colSlice: (x, start, count) => tf.slice(x, [0, start], [x.shape[0], count]),
  matMul: (a, b) => tf.matMul(a, b),
};

// ---------------------------------------------------------------------------------------------------------
// Fast implementation: kernels over raw memory, for the wasm and cpu backends.

type Info = tf.TensorInfo;

/** Raw memory access for one backend: allocate outputs first, then take views (allocation may move memory). */
interface RawAccess {
  alloc(shape: number[]): Info;
  view(info: Info): Float32Array;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): Info;
  typedArrayFromHeap(info: Info): Float32Array;
}

interface CpuBackendLike {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): Info;
  readSync(dataId: object): Float32Array;
}

function rawAccess(backendName: string, backend: unknown): RawAccess {
  if (backendName === 'wasm') {
    const b = backend as WasmBackendLike;
    return { alloc: (shape) => b.makeOutput(shape, 'float32'), view: (info) => b.typedArrayFromHeap(info) };
  }
  const b = backend as CpuBackendLike;
  return {
    alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((x, y) => x * y, 1))),
    view: (info) => b.readSync(info.dataId),
  };
}

const FAST_BACKENDS = ['wasm', 'cpu'];
const CELL_FWD = 'AffectflowLstmCellForward';
const CELL_BWD = 'AffectflowLstmCellBackward';
const TRANSPOSE = 'AffectflowTranspose2D';
const CONCAT_ROWS = 'AffectflowConcatRows';
const ROW_SLICE = 'AffectflowRowSlice';
const ASSEMBLE_ROWS = 'AffectflowAssembleRows';
const CONCAT_COLUMNS = 'AffectflowConcatColumns';
const COL_SLICE = 'AffectflowColSlice';

function cellForwardKernel(raw: RawAccess, inputs: Record<string, Info>, attrs: { row: number; batch: number; hasRec: boolean; hasC: boolean }): Info[] {
  const { xproj, bias, rec, cPrev } = inputs as Record<'xproj' | 'bias' | 'rec' | 'cPrev', Info>;
  const B = attrs.batch;
  const G = xproj.shape[1]!;
  const H = G / 4;
  const actInfo = raw.alloc([B, G]);
  const cInfo = raw.alloc([B, H]);
  const hInfo = raw.alloc([B, H]);
  const xp = raw.view(xproj);
  const bs = raw.view(bias);
  const rc = raw.view(rec);
  const cp = raw.view(cPrev);
  const act = raw.view(actInfo);
  const cOut = raw.view(cInfo);
  const hOut = raw.view(hInfo);
  for (let b = 0; b < B; b++) {
    const xo = (attrs.row + b) * G;
    const ro = b * G;
    const ho = b * H;
    for (let j = 0; j < H; j++) {
      let ai = xp[xo + j]! + bs[j]!;
      let af = xp[xo + H + j]! + bs[H + j]!;
      let ag = xp[xo + 2 * H + j]! + bs[2 * H + j]!;
      let ao = xp[xo + 3 * H + j]! + bs[3 * H + j]!;
      if (attrs.hasRec) {
        ai += rc[ro + j]!;
        af += rc[ro + H + j]!;
        ag += rc[ro + 2 * H + j]!;
        ao += rc[ro + 3 * H + j]!;
      }
      // tanh(x) = 2σ(2x) − 1: V8's Math.exp is about twice as fast as Math.tanh (float64, error < 1e-15).
      const i = 1 / (1 + Math.exp(-ai));
      const f = 1 / (1 + Math.exp(-af));
      const g = 2 / (1 + Math.exp(-2 * ag)) - 1;
      const o = 1 / (1 + Math.exp(-ao));
      const c = (attrs.hasC ? f * cp[ho + j]! : 0) + i * g;
      act[ro + j] = i;
      act[ro + H + j] = f;
      act[ro + 2 * H + j] = g;
      act[ro + 3 * H + j] = o;
      cOut[ho + j] = c;
      hOut[ho + j] = o * (2 / (1 + Math.exp(-2 * c)) - 1);
    }
  }
  return [actInfo, cInfo, hInfo];
}

function cellBackwardKernel(
  raw: RawAccess,
  inputs: Record<string, Info>,
  attrs: { rows: number[]; hasCPrev: boolean; hasDcNext: boolean },
): Info[] {
  const { act: actI, c: cI, cPrev: cpI, dcNext: dcnI } = inputs as Record<'act' | 'c' | 'cPrev' | 'dcNext', Info>;
  const B = actI.shape[0]!;
  const G = actI.shape[1]!;
  const H = G / 4;
  const dPreInfo = raw.alloc([B, G]);
  const dcPrevInfo = raw.alloc([B, H]);
  const act = raw.view(actI);
  const cs = raw.view(cI);
  const cp = raw.view(cpI);
  const dcn = raw.view(dcnI);
  const blocks = attrs.rows.map((row, k) => ({ data: raw.view(inputs[`dh${k}`]!), offset: row * H }));
  const dPre = raw.view(dPreInfo);
  const dcPrev = raw.view(dcPrevInfo);
  const dh = new Float64Array(H);
  for (let b = 0; b < B; b++) {
    const ao = b * G;
    const ho = b * H;
    dh.fill(0);
    for (const block of blocks) {
      const base = block.offset + ho;
      for (let j = 0; j < H; j++) dh[j]! += block.data[base + j]!;
    }
    for (let j = 0; j < H; j++) {
      const i = act[ao + j]!;
      const f = act[ao + H + j]!;
      const g = act[ao + 2 * H + j]!;
      const o = act[ao + 3 * H + j]!;
      const tc = 2 / (1 + Math.exp(-2 * cs[ho + j]!)) - 1;
      const d = dh[j]!;
      const dc = (attrs.hasDcNext ? dcn[ho + j]! : 0) + d * o * (1 - tc * tc);
      const cprev = attrs.hasCPrev ? cp[ho + j]! : 0;
      dPre[ao + j] = dc * g * i * (1 - i);
      dPre[ao + H + j] = dc * cprev * f * (1 - f);
      dPre[ao + 2 * H + j] = dc * i * (1 - g * g);
      dPre[ao + 3 * H + j] = d * tc * o * (1 - o);
      dcPrev[ho + j] = dc * f;
    }
  }
  return [dPreInfo, dcPrevInfo];
}

function transposeKernel(raw: RawAccess, x: Info): Info {
  const [R, C] = x.shape as [number, number];
  const outInfo = raw.alloc([C, R]);
  const src = raw.view(x);
  const dst = raw.view(outInfo);
  // Blocked so that both the reads and the writes stay within a few cache lines per block.
  const BS = 32;
  for (let r0 = 0; r0 < R; r0 += BS) {
    const r1 = Math.min(R, r0 + BS);
    for (let c0 = 0; c0 < C; c0 += BS) {
      const c1 = Math.min(C, c0 + BS);
      for (let r = r0; r < r1; r++) {
        const so = r * C;
        for (let c = c0; c < c1; c++) dst[c * R + r] = src[so + c]!;
      }
    }
  }
  return outInfo;
}

function concatRowsKernel(raw: RawAccess, inputs: Record<string, Info>, count: number): Info {
  const parts = Array.from({ length: count }, (_, k) => inputs[`x${k}`]!);
  const cols = parts[0]!.shape[1]!;
  const rows = parts.reduce((s, p) => s + p.shape[0]!, 0);
  const outInfo = raw.alloc([rows, cols]);
  const dst = raw.view(outInfo);
  let at = 0;
  for (const p of parts) {
    const src = raw.view(p);
    dst.set(src, at);
    at += src.length;
  }
  return outInfo;
}

function rowSliceKernel(raw: RawAccess, x: Info, start: number, count: number): Info {
  const cols = x.shape[1]!;
  const outInfo = raw.alloc([count, cols]);
  raw.view(outInfo).set(raw.view(x).subarray(start * cols, (start + count) * cols));
  return outInfo;
}

function concatColumnsKernel(raw: RawAccess, inputs: Record<string, Info>, count: number): Info {
  const parts = Array.from({ length: count }, (_, k) => inputs[`x${k}`]!);
  const rows = parts[0]!.shape[0]!;
  const widths = parts.map((p) => p.shape[1]!);
  const cols = widths.reduce((a, b) => a + b, 0);
  const outInfo = raw.alloc([rows, cols]);
  const dst = raw.view(outInfo);
  let offset = 0;
  parts.forEach((p, k) => {
    const src = raw.view(p);
    const w = widths[k]!;
    for (let r = 0; r < rows; r++) dst.set(src.subarray(r * w, (r + 1) * w), r * cols + offset);
    offset += w;
  });
  return outInfo;
}

function colSliceKernel(raw: RawAccess, x: Info, start: number, count: number): Info {
  const [rows, cols] = x.shape as [number, number];
  const outInfo = raw.alloc([rows, count]);
  const dst = raw.view(outInfo);
  const src = raw.view(x);
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols + start, r * cols + start + count), r * count);
  return outInfo;
}

/** [first rows (a tensor); further rows (Float32Arrays given as an attribute)] → one matrix. */
function assembleRowsKernel(raw: RawAccess, first: Info, parts: Float32Array[]): Info {
  const cols = first.shape[1]!;
  const rows = first.shape[0]! + parts.reduce((s, p) => s + p.length / cols, 0);
  const outInfo = raw.alloc([rows, cols]);
  const dst = raw.view(outInfo);
  const head = raw.view(first);
  dst.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    dst.set(p, at);
    at += p.length;
  }
  return outInfo;
}

function registerFastKernels(backendName: string): void {
  if (tf.getKernel(CELL_FWD, backendName)) return;
  const reg = (kernelName: string, fn: (raw: RawAccess, inputs: Record<string, Info>, attrs: Record<string, unknown>) => Info | Info[]) =>
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) =>
        fn(rawAccess(backendName, backend), inputs as unknown as Record<string, Info>, attrs as Record<string, unknown>),
    });
  reg(CELL_FWD, (raw, inputs, attrs) => cellForwardKernel(raw, inputs, attrs as Parameters<typeof cellForwardKernel>[2]));
  reg(CELL_BWD, (raw, inputs, attrs) => cellBackwardKernel(raw, inputs, attrs as Parameters<typeof cellBackwardKernel>[2]));
  reg(TRANSPOSE, (raw, inputs) => transposeKernel(raw, inputs['x']!));
  reg(CONCAT_ROWS, (raw, inputs, attrs) => concatRowsKernel(raw, inputs, attrs['count'] as number));
  reg(ROW_SLICE, (raw, inputs, attrs) => rowSliceKernel(raw, inputs['x']!, attrs['start'] as number, attrs['count'] as number));
  reg(CONCAT_COLUMNS, (raw, inputs, attrs) => concatColumnsKernel(raw, inputs, attrs['count'] as number));
  reg(COL_SLICE, (raw, inputs, attrs) => colSliceKernel(raw, inputs['x']!, attrs['start'] as number, attrs['count'] as number));
  reg(ASSEMBLE_ROWS, (raw, inputs, attrs) => assembleRowsKernel(raw, inputs['first']!, attrs['parts'] as Float32Array[]));
}

/**
 * Products smaller than `minMacs` multiply-adds stay on one thread (hand-over and copies cost more than
 * they save). Mutable for tests.
 */
export const parallelSettings = { minMacs: 16_000_000 };

const operandKeys = new WeakMap<object, number>();
let nextOperandKey = 1;

function operandKey(t: tf.Tensor): number {
  let key = operandKeys.get(t.dataId);
  if (key === undefined) operandKeys.set(t.dataId, (key = nextOperandKey++));
  return key;
}

/** a·b with the rows split between this thread and the ready worker threads (wasm/cpu backends). */
function parallelMatMul(a: tf.Tensor2D, b: tf.Tensor2D, reuseB: boolean): tf.Tensor2D {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const workers = readyWorkers();
  if (workers.length === 0 || M * K * N < parallelSettings.minMacs || M < 2 * (workers.length + 1)) return tf.matMul(a, b);
  const parts = workers.length + 1;
  const per = Math.ceil(M / parts);
  const raw = rawAccess(tf.getBackend(), tf.backend());
  // Views of backend memory are only valid until the next allocation: copy out before computing.
  const aView = raw.view(a);
  const bView = raw.view(b);
  const bKey = operandKey(b);
  const used = workers.filter((_, i) => (i + 1) * per < M);
  used.forEach((w, i) => {
    const from = (i + 1) * per;
    const to = Math.min(M, from + per);
    w.start(aView.subarray(from * K, to * K), to - from, K, bView, N, bKey, reuseB);
  });
  const head = tf.tidy(() => tf.matMul(fastKernels.rowSlice(a, 0, per), b));
  const tails = used.map((w) => w.finish());
  const out = run(ASSEMBLE_ROWS, { first: head }, { parts: tails })[0] as tf.Tensor2D;
  head.dispose();
  return out;
}

function run(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(kernelName, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
  return (Array.isArray(out) ? out : [out]) as tf.Tensor[];
}

export const fastKernels: LstmKernels = {
  name: 'fast',
  cellForward(xproj, row, batch, bias, rec, cPrev) {
    // Absent inputs are passed as a stand-in tensor the kernel does not read (flags say so).
    const [act, c, h] = run(
      CELL_FWD,
      { xproj, bias, rec: rec ?? bias, cPrev: cPrev ?? bias },
      { row, batch, hasRec: rec !== null, hasC: cPrev !== null },
    ) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    return { act, c, h };
  },
  cellBackward(act, c, cPrev, dh, dcNext) {
    const inputs: Record<string, tf.Tensor> = { act, c, cPrev: cPrev ?? c, dcNext: dcNext ?? c };
    dh.forEach((block, k) => (inputs[`dh${k}`] = block.tensor));
    const [dPre, dcPrev] = run(CELL_BWD, inputs, {
      rows: dh.map((b) => b.row),
      hasCPrev: cPrev !== null,
      hasDcNext: dcNext !== null,
    }) as [tf.Tensor2D, tf.Tensor2D];
    return { dPre, dcPrev };
  },
  transpose2d: (x) => run(TRANSPOSE, { x }, {})[0] as tf.Tensor2D,
  concatRows(xs) {
    const inputs: Record<string, tf.Tensor> = {};
    xs.forEach((x, k) => (inputs[`x${k}`] = x));
    return run(CONCAT_ROWS, inputs, { count: xs.length })[0] as tf.Tensor2D;
  },
  rowSlice: (x, start, count) => run(ROW_SLICE, { x }, { start, count })[0] as tf.Tensor2D,
  concatColumns(xs) {
    const inputs: Record<string, tf.Tensor> = {};
    xs.forEach((x, k) => (inputs[`x${k}`] = x));
    return run(CONCAT_COLUMNS, inputs, { count: xs.length })[0] as tf.Tensor2D;
  },
  colSlice: (x, start, count) => run(COL_SLICE, { x }, { start, count })[0] as tf.Tensor2D,
  matMul: (a, b, reuseB = false) => parallelMatMul(a, b, reuseB),
};

/**
 * The kernels to use on the current backend: `fast` where registered raw-memory kernels exist (wasm, cpu),
 * `generic` elsewhere. `AFFECTFLOW_LSTM_KERNELS=generic` forces the op-based version (for comparison).
 */
export function kernelsForBackend(preference?: 'fast' | 'generic'): LstmKernels {
  const backendName = tf.getBackend();
  const wanted = preference ?? (process.env['AFFECTFLOW_LSTM_KERNELS'] === 'generic' ? 'generic' : 'fast');
  if (wanted === 'fast' && FAST_BACKENDS.includes(backendName)) {
    registerFastKernels(backendName);
    startMatMulWorkers();
    return fastKernels;
  }
  return genericKernels;
}
