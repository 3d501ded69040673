/**
 * The differentiable operations of the engine besides the LSTM, each with an explicit gradient
 * (tf.customGrad). Two reasons:
 * - `@tensorflow/tfjs-core` on its own registers no gradients in Node (its CommonJS bundle leaves them to
 *   the `@tensorflow/tfjs` umbrella package), so the engine must not rely on tfjs autodiff of built-in ops;
 *   with every taped op defined here, gradients work with tfjs-core alone and with any backend.
 * - On tfjs-wasm, the matmuls of a gradient must run without transpose flags (a transposed operand takes
 *   a naive path ≈10–40× slower), which the hand-written gradients arrange.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LstmKernels } from './kernels.js';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

function single(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(dy) ? dy[0]! : dy;
}

/**
 * y = x·Wᵀ + b with W in torch layout [out, in]; dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.
 */
export function dense(k: LstmKernels, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args: Args) => {
    const [xi, wi, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    (args[3] as tf.GradSaveFunc)([xi, wi]);
    const value = tf.tidy(() => tf.add(tf.matMul(xi, k.transpose2d(wi)), bi));
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = single(dy) as tf.Tensor2D;
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(d, ws), tf.matMul(k.transpose2d(d), xs), tf.sum(d, 0)];
      },
    };
  });
  return f(x, w, b) as tf.Tensor2D;
}

/** tanh with dx = dy·(1 − y²). */
export function tanh(x: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: Args) => {
    const y = tf.tanh(args[0] as tf.Tensor);
    (args[1] as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(single(dy), tf.sub(1, tf.square(saved[0]!))),
    };
  });
  return f(x) as tf.Tensor2D;
}

/** Concatenate [B, d_i] matrices along the columns; the gradient is split back. */
export function concatColumns(xs: tf.Tensor2D[]): tf.Tensor2D {
  if (xs.length === 1) return xs[0]!;
  const widths = xs.map((x) => x.shape[1]);
  const f = tf.customGrad((...args: Args) => ({
    value: tf.concat(args.slice(0, -1) as tf.Tensor2D[], 1),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const d = single(dy) as tf.Tensor2D;
      let at = 0;
      return widths.map((w) => {
        const part = tf.slice(d, [0, at], [d.shape[0], w]);
        at += w;
        return part;
      });
    },
  }));
  return f(...xs) as tf.Tensor2D;
}

/**
 * Uncertainty-weighted fusion of per-head predictions: Σ_i w̄_i·h_i with w̄ = softmax(−2s), i.e.
 * w_i = exp(−2 s_i) normalised. Gradients: dh_i = w̄_i·dy; ds_k = −2 w̄_k Σ dy ⊙ (h_k − P).
 */
export function mtlFuse(logStd: tf.Tensor1D, heads: tf.Tensor2D[]): tf.Tensor2D {
  const f = tf.customGrad((...args: Args) => {
    const s = args[0] as tf.Tensor1D;
    const hs = args.slice(1, -1) as tf.Tensor2D[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const wbar = normalisedWeights(s);
    const value = tf.tidy(() => hs.map((h, i) => tf.mul(h, tf.slice(wbar, [i], [1]))).reduce((a, b) => tf.add(a, b)) as tf.Tensor2D);
    save([wbar, value, ...hs]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = single(dy);
        const [w, p, ...hsSaved] = saved as [tf.Tensor1D, tf.Tensor2D, ...tf.Tensor2D[]];
        const dHeads = hsSaved.map((_, i) => tf.mul(d, tf.slice(w, [i], [1])));
        const ds = tf.mul(tf.mul(-2, w), tf.stack(hsSaved.map((h) => tf.sum(tf.mul(d, tf.sub(h, p))))));
        return [ds, ...dHeads];
      },
    };
  });
  return f(logStd, ...heads) as tf.Tensor2D;
}

/** w̄ = exp(−2s) / Σ exp(−2s), computed as a softmax for stability. */
export function normalisedWeights(logStd: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const z = tf.mul(-2, logStd);
    const e = tf.exp(tf.sub(z, tf.max(z)));
    return tf.div(e, tf.sum(e)) as tf.Tensor1D;
  });
}

/**
 * Kendall et al.'s uncertainty weighting: L = Σ_i exp(−2 s_i)·L_i + Σ_i s_i over scalar head losses L_i.
 * dL_i = exp(−2 s_i); ds_i = 1 − 2 exp(−2 s_i)·L_i.
 */
export function kendallLoss(logStd: tf.Tensor1D, losses: tf.Scalar[]): tf.Scalar {
  const f = tf.customGrad((...args: Args) => {
    const s = args[0] as tf.Tensor1D;
    const ls = tf.stack(args.slice(1, -1) as tf.Scalar[]) as tf.Tensor1D;
    const w = tf.exp(tf.mul(-2, s));
    (args[args.length - 1] as tf.GradSaveFunc)([w, ls]);
    return {
      value: tf.add(tf.sum(tf.mul(w, ls)), tf.sum(s)) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = single(dy);
        const [ws, lsSaved] = saved as [tf.Tensor1D, tf.Tensor1D];
        const ds = tf.mul(d, tf.sub(1, tf.mul(2, tf.mul(ws, lsSaved))));
        const dl = tf.mul(d, ws);
        return [ds, ...losses.map((_, i) => tf.reshape(tf.slice(dl, [i], [1]), []))];
      },
    };
  });
  return f(logStd, ...losses) as tf.Scalar;
}

export type LossKind = 'mse' | 'bce' | 'pearson' | 'ccc';
export const LOSS_KINDS: readonly LossKind[] = ['mse', 'bce', 'pearson', 'ccc'];

/**
 * Added under the square root of Pearson's denominator so that a constant column gives r = 0 and a finite
 * gradient instead of NaN.
 */
export const PEARSON_EPS = 1e-12;

/** Value and gradient (w.r.t. the prediction) of a base loss; `target` is a constant. */
function lossAndGrad(kind: LossKind, p: tf.Tensor2D, y: tf.Tensor2D): { value: tf.Scalar; grad: tf.Tensor2D } {
  const [B, C] = p.shape;
  const n = B * C;
  switch (kind) {
    case 'mse':
      return { value: tf.mean(tf.squaredDifference(p, y)), grad: tf.mul(tf.sub(p, y), 2 / n) };
    case 'bce':
      // max(x, 0) − x·y + log(1 + exp(−|x|)) (the stable form torch uses); gradient (σ(x) − y)/n.
      return {
        value: tf.mean(tf.add(tf.sub(tf.relu(p), tf.mul(p, y)), tf.log1p(tf.exp(tf.neg(tf.abs(p)))))),
        grad: tf.mul(tf.sub(tf.sigmoid(p), y), 1 / n),
      };
    case 'pearson': {
      const xc = tf.sub(p, tf.mean(p, 0, true));
      const yc = tf.sub(y, tf.mean(y, 0, true));
      const sxy = tf.sum(tf.mul(xc, yc), 0, true);
      const sxx = tf.sum(tf.square(xc), 0, true);
      const syy = tf.sum(tf.square(yc), 0, true);
      const den = tf.sqrt(tf.add(tf.mul(sxx, syy), PEARSON_EPS));
      const r = tf.div(sxy, den);
      // dr/dx_b = yc_b/D − S_xy·S_yy·xc_b/D³ (centring drops out because Σ yc = Σ xc = 0).
      const dr = tf.sub(tf.div(yc, den), tf.mul(xc, tf.div(tf.mul(sxy, syy), tf.pow(den, 3))));
      return { value: tf.sub(1, tf.mean(r)), grad: tf.mul(dr, -1 / C) };
    }
    case 'ccc': {
      const mx = tf.mean(p, 0, true);
      const my = tf.mean(y, 0, true);
      const xc = tf.sub(p, mx);
      const yc = tf.sub(y, my);
      const num = tf.mul(2, tf.mean(tf.mul(xc, yc), 0, true));
      const den = tf.add(tf.add(tf.mean(tf.square(xc), 0, true), tf.mean(tf.square(yc), 0, true)), tf.square(tf.sub(mx, my)));
      const ccc = tf.div(num, den);
      // d ccc/dx_b = (2 yc_b/B)/den − num·(2 xc_b/B + 2(mx − my)/B)/den².
      const dNum = tf.div(tf.mul(yc, 2 / B), den);
      const dDen = tf.mul(tf.div(num, tf.square(den)), tf.mul(tf.add(xc, tf.sub(mx, my)), 2 / B));
      return { value: tf.sub(1, tf.mean(ccc)), grad: tf.mul(tf.sub(dNum, dDen), -1 / C) };
    }
  }
}

/**
 * The base losses, each a scalar over a batch [B, outputs]:
 * - mse: mean of squared errors over all values (torch MSELoss);
 * - bce: binary cross-entropy on logits, mean over all values (torch BCEWithLogitsLoss);
 * - pearson: 1 − mean over outputs of Pearson's r computed over the batch,
 *   r = Σ x̃ỹ / sqrt(Σx̃² · Σỹ² + 1e-12) with x̃, ỹ centred;
 * - ccc: 1 − mean over outputs of Lin's concordance 2·cov / (var_x + var_y + (x̄ − ȳ)²), population moments.
 * Differentiable w.r.t. the prediction only.
 */
export function baseLoss(kind: LossKind, pred: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  const f = tf.customGrad((...args: Args) => {
    const p = args[0] as tf.Tensor2D;
    const { value, grad } = tf.tidy(() => lossAndGrad(kind, p, target));
    (args[1] as tf.GradSaveFunc)([grad]);
    tf.dispose(grad);
    return {
      value: tf.reshape(value, []) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(single(dy), saved[0]!),
    };
  });
  return f(pred) as tf.Scalar;
}
