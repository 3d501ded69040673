/**
 * Stacked LSTM (torch.nn.LSTM semantics, gate order i, f, g, o; zero initial state) over a right-padded
 * batch, returning the top layer's hidden state at each sample's last real step (index length − 1), i.e.
 * torch's `out[b, len_b − 1]`. Steps past the batch's longest sample are not computed. Padding after a
 * sample's end cannot influence its output (the recurrence only runs forwards), so no masking is needed.
 *
 * Training uses one tf.customGrad per stacked LSTM with a hand-written backward (BPTT), layer by layer:
 * - forward: the input projection of all steps is ONE matmul [T·B, In] × [In, 4H]; each step then does one
 *   [B, H] × [H, 4H] matmul and one fused cell kernel;
 * - backward: per step one fused cell-backward kernel and one [B, 4H] × [4H, H] matmul; afterwards the weight
 *   gradients are single matmuls over all steps: dW_ih = dAᵀ·X, dW_hh = dAᵀ·H_prev (dA = gate gradients
 *   of all steps, [T·B, 4H]) and the input gradient of a lower layer is dA·W_ih.
 * The inputs of the first layer are data, so no gradient is computed for them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../../runtime/errors.js';
import { kernelsForBackend, type LstmKernels, type RowBlock } from './kernels.js';

export interface LstmWeights {
  wIh: tf.Tensor2D;
  wHh: tf.Tensor2D;
  bIh: tf.Tensor1D;
  bHh: tf.Tensor1D;
}

export interface SequenceBatch {
  /** [B × maxLength × dim], right-padded. */
  data: Float32Array;
  lengths: Int32Array;
  maxLength: number;
  dim: number;
}

/** Check a sequence batch and return its batch size and the number of steps to compute. */
export function sequenceSteps(seq: SequenceBatch, name: string): { batch: number; steps: number } {
  const batch = seq.lengths.length;
  if (batch === 0) throw new InputError(`feed "${name}": empty batch`);
  if (seq.data.length !== batch * seq.maxLength * seq.dim) {
    throw new InputError(
      `feed "${name}": data has ${seq.data.length} values, expected ${batch} × ${seq.maxLength} × ${seq.dim} = ${batch * seq.maxLength * seq.dim}`,
    );
  }
  let steps = 0;
  for (let b = 0; b < batch; b++) {
    const len = seq.lengths[b]!;
    if (!Number.isInteger(len) || len < 1 || len > seq.maxLength) {
      throw new InputError(`feed "${name}": sample ${b} has length ${len}, expected 1 … ${seq.maxLength}`);
    }
    steps = Math.max(steps, len);
  }
  return { batch, steps };
}

/** Time-major [steps·B, dim] copy of the first `steps` steps of a batch-major padded batch. */
function timeMajor(seq: SequenceBatch, batch: number, steps: number): tf.Tensor2D {
  const { dim, maxLength, data } = seq;
  const out = new Float32Array(steps * batch * dim);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const from = (b * maxLength + t) * dim;
      out.set(data.subarray(from, from + dim), (t * batch + b) * dim);
    }
  }
  return tf.tensor2d(out, [steps * batch, dim]);
}

/** Per read-out step, a [B, 1] 0/1 mask of the samples whose last real step it is. */
function readoutMasks(lengths: Int32Array): Map<number, tf.Tensor2D> {
  const byStep = new Map<number, number[]>();
  lengths.forEach((len, b) => byStep.set(len - 1, [...(byStep.get(len - 1) ?? []), b]));
  const masks = new Map<number, tf.Tensor2D>();
  for (const [t, samples] of byStep) {
    const m = new Float32Array(lengths.length);
    for (const b of samples) m[b] = 1;
    masks.set(t, tf.tensor2d(m, [lengths.length, 1]));
  }
  return masks;
}

interface LayerState {
  input: tf.Tensor2D;
  act: tf.Tensor2D[];
  c: tf.Tensor2D[];
  h: tf.Tensor2D[];
}

/**
 * Forward of one layer over all steps. With `keep`, returns every step's activations for the backward;
 * otherwise only the hidden states.
 */
function layerForward(k: LstmKernels, input: tf.Tensor2D, w: LstmWeights, batch: number, steps: number, keep: boolean): LayerState {
  const xproj = tf.tidy(() => k.matMul(input, k.transpose2d(w.wIh)));
  const bias = tf.add(w.bIh, w.bHh) as tf.Tensor1D;
  const whhT = k.transpose2d(w.wHh);
  const state: LayerState = { input, act: [], c: [], h: [] };
  let hPrev: tf.Tensor2D | null = null;
  let cPrev: tf.Tensor2D | null = null;
  for (let t = 0; t < steps; t++) {
    const rec: tf.Tensor2D | null = hPrev ? k.matMul(hPrev, whhT, true) : null;
    const { act, c, h } = k.cellForward(xproj, t * batch, batch, bias, rec, cPrev);
    rec?.dispose();
    if (keep) {
      state.act.push(act);
      state.c.push(c);
    } else {
      act.dispose();
      cPrev?.dispose();
    }
    state.h.push(h);
    hPrev = h;
    cPrev = c;
  }
  if (!keep) cPrev?.dispose();
  tf.dispose([xproj, bias, whhT]);
  return state;
}

function readout(top: tf.Tensor2D[], masks: Map<number, tf.Tensor2D>): tf.Tensor2D {
  return tf.tidy(() => {
    let out: tf.Tensor2D | null = null;
    for (const [t, m] of masks) {
      const part = tf.mul(top[t]!, m) as tf.Tensor2D;
      out = out ? tf.add(out, part) : part;
    }
    return out!;
  });
}

export interface StackedLstmOptions {
  training: boolean;
  kernels?: LstmKernels;
  /** Rows per block of the weight-gradient products (default: `gradBlockRows` of each layer's sizes). */
  gradBlockRows?: number;
}

/**
 * Run a stacked LSTM on a padded batch. In training mode the result is differentiable w.r.t. the weights
 * (through a custom gradient); otherwise intermediate states are released step by step.
 * @returns [B, H] hidden state of the top layer at each sample's last real step.
 */
export function stackedLstm(seq: SequenceBatch, layers: LstmWeights[], name: string, options: StackedLstmOptions): tf.Tensor2D {
  const k = options.kernels ?? kernelsForBackend();
  const { batch, steps } = sequenceSteps(seq, name);
  const inputDim = layers[0]!.wIh.shape[1];
  if (seq.dim !== inputDim) throw new InputError(`feed "${name}": dimension ${seq.dim}, the LSTM expects ${inputDim}`);

  if (!options.training) {
    return tf.tidy(() => {
      const masks = readoutMasks(seq.lengths);
      let input = timeMajor(seq, batch, steps);
      let h: tf.Tensor2D[] = [];
      layers.forEach((w, l) => {
        if (l > 0) {
          input = k.concatRows(h);
          tf.dispose(h);
        }
        h = layerForward(k, input, w, batch, steps, false).h;
        input.dispose();
      });
      return readout(h, masks);
    });
  }

  const flatWeights = layers.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh]);
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ws = unflatten(args.slice(0, -1) as tf.Tensor[]);
    const masks = readoutMasks(seq.lengths);
    const states: LayerState[] = [];
    let input = timeMajor(seq, batch, steps);
    ws.forEach((w, l) => {
      if (l > 0) input = k.concatRows(states[l - 1]!.h);
      states.push(layerForward(k, input, w, batch, steps, true));
    });
    const value = readout(states[states.length - 1]!.h, masks);
    // Saved layout: weights, masks (in map order), then per layer: input, act[steps], c[steps], h[steps].
    const maskSteps = [...masks.keys()];
    save([...ws.flatMap((w) => [w.wIh, w.wHh, w.bIh, w.bHh]), ...masks.values(), ...states.flatMap((s) => [s.input, ...s.act, ...s.c, ...s.h])]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const dOut = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor2D;
      let at = 0;
      const take = (n: number) => {
        const part = saved.slice(at, at + n);
        at += n;
        return part;
      };
      const savedWeights = unflatten(take(4 * ws.length));
      const savedMasks = new Map(take(maskSteps.length).map((m, j) => [maskSteps[j]!, m as tf.Tensor2D]));
      const savedStates: LayerState[] = ws.map(() => {
        const [input] = take(1) as [tf.Tensor2D];
        return { input, act: take(steps) as tf.Tensor2D[], c: take(steps) as tf.Tensor2D[], h: take(steps) as tf.Tensor2D[] };
      });
      return backward(k, dOut, savedWeights, savedStates, savedMasks, batch, steps, options.gradBlockRows);
    };
    return { value, gradFunc };
  });
  return run(...flatWeights) as tf.Tensor2D;
}

function unflatten(ts: tf.Tensor[]): LstmWeights[] {
  const out: LstmWeights[] = [];
  for (let i = 0; i < ts.length; i += 4) {
    out.push({ wIh: ts[i] as tf.Tensor2D, wHh: ts[i + 1] as tf.Tensor2D, bIh: ts[i + 2] as tf.Tensor1D, bHh: ts[i + 3] as tf.Tensor1D });
  }
  return out;
}

/**
 * Rows per block of the weight-gradient products. XNNPACK's GEMM (tfjs-wasm) has no blocking over the inner
 * dimension, so one [4H, T·B]·[T·B, In + H] product streams the whole packed right operand from memory for
 * every row block (≈14 GFLOP/s at T·B = 12800, In + H = 2048); summing products over blocks whose right
 * operand holds about 2^19 values (256 rows there) keeps it in cache (≈35 GFLOP/s), while small layers get
 * bigger blocks (fewer calls). Clamped to 256 … 4096 rows.
 */
export function gradBlockRows(inDim: number, hidden: number): number {
  return Math.max(256, Math.min(4096, Math.round(2 ** 19 / (inDim + hidden))));
}

/** Accumulates a sum of tensors, disposing the partial sums. */
class Sum {
  value: tf.Tensor | null = null;
  add(t: tf.Tensor): void {
    if (!this.value) this.value = t;
    else {
      const next = tf.add(this.value, t);
      tf.dispose([this.value, t]);
      this.value = next;
    }
  }
}

/**
 * BPTT through all layers, top first. Weight gradients are accumulated per block of consecutive steps, as
 * soon as the block's gate gradients are known (dW_ih += dA_blkᵀ·X_blk, dW_hh += dA_blkᵀ·H_prev_blk,
 * db += Σ dA_blk), so the gate gradients of all steps are never held at once. The gradient for the layer
 * below, dA_blk·W_ih, is kept per block. Returns gradients in the order wIh, wHh, bIh, bHh per layer.
 */
function backward(
  k: LstmKernels,
  dOut: tf.Tensor2D,
  ws: LstmWeights[],
  states: LayerState[],
  masks: Map<number, tf.Tensor2D>,
  batch: number,
  steps: number,
  blockRows: number | undefined,
): tf.Tensor[] {
  const grads: tf.Tensor[][] = [];
  const topBlocks = new Map<number, RowBlock>();
  for (const [t, m] of masks) topBlocks.set(t, { tensor: tf.mul(dOut, m) as tf.Tensor2D, row: 0 });
  // Gradient reaching the hidden state of step t of the current layer from above (or from the read-out).
  let fromAbove: (t: number) => RowBlock | undefined = (t) => topBlocks.get(t);
  let aboveBlocks: tf.Tensor2D[] = [];
  for (let l = ws.length - 1; l >= 0; l--) {
    const w = ws[l]!;
    const s = states[l]!;
    const hidden = w.wHh.shape[1];
    const blockSteps = Math.max(1, Math.round((blockRows ?? gradBlockRows(w.wIh.shape[1], hidden)) / batch));
    // dW_cat = [dW_ih | dW_hh] = Σ_blocks dA_blkᵀ·[X_blk | H_prev_blk]: one wider product per block.
    const dWcat = new Sum();
    const db = new Sum();
    const belowBlocks: tf.Tensor2D[] = [];
    const zerosH = tf.zeros<tf.Rank.R2>([batch, hidden]);
    let pending: tf.Tensor2D[] = [];
    let dhRec: tf.Tensor2D | null = null;
    let dcNext: tf.Tensor2D | null = null;
    for (let t = steps - 1; t >= 0; t--) {
      const blocks: RowBlock[] = [];
      const above = fromAbove(t);
      if (above) blocks.push(above);
      if (dhRec) blocks.push({ tensor: dhRec, row: 0 });
      let dPre: tf.Tensor2D;
      if (blocks.length === 0) {
        // Nothing reaches this step (it lies after every sample's end): its gradients are zero.
        dPre = tf.zeros([batch, 4 * hidden]);
      } else {
        const r = k.cellBackward(s.act[t]!, s.c[t]!, t > 0 ? s.c[t - 1]! : null, blocks, dcNext);
        dhRec?.dispose();
        dcNext?.dispose();
        dPre = r.dPre;
        dcNext = r.dcPrev;
        dhRec = t > 0 ? k.matMul(r.dPre, w.wHh, true) : null;
      }
      pending.unshift(dPre);
      if (t % blockSteps !== 0) continue;
      // Steps t … t + pending.length − 1 form a block.
      const rows = pending.length * batch;
      const [gWcat, gb, dBelow] = tf.tidy(() => {
        const dA = k.concatRows(pending);
        const dAT = k.transpose2d(dA);
        const x = k.rowSlice(s.input, t * batch, rows);
        const hPrev = k.concatRows([t > 0 ? s.h[t - 1]! : zerosH, ...s.h.slice(t, t + pending.length - 1)]);
        const out: tf.Tensor[] = [k.matMul(dAT, k.concatColumns([x, hPrev])), tf.sum(dAT, 1)];
        if (l > 0) out.push(k.matMul(dA, w.wIh, true));
        return out;
      });
      dWcat.add(gWcat!);
      db.add(gb!);
      if (dBelow) belowBlocks[t / blockSteps] = dBelow as tf.Tensor2D;
      tf.dispose(pending);
      pending = [];
    }
    tf.dispose([zerosH, ...aboveBlocks]);
    if (dhRec) (dhRec as tf.Tensor).dispose();
    if (dcNext) (dcNext as tf.Tensor).dispose();
    const inDim = w.wIh.shape[1];
    const cat = dWcat.value as tf.Tensor2D;
    grads[l] = [k.colSlice(cat, 0, inDim), k.colSlice(cat, inDim, hidden), db.value!, tf.clone(db.value!)];
    cat.dispose();
    aboveBlocks = belowBlocks;
    const blocksForBelow = belowBlocks;
    fromAbove = (t) => {
      const b = Math.floor(t / blockSteps);
      return { tensor: blocksForBelow[b]!, row: (t - b * blockSteps) * batch };
    };
  }
  tf.dispose([...topBlocks.values()].map((b) => b.tensor));
  tf.dispose(aboveBlocks);
  return grads.flat();
}
