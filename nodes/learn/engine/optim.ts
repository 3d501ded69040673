/**
 * Optimisation: AdamW as torch.optim.AdamW, gradient clipping by value as torch.nn.utils.clip_grad_value_,
 * the Hugging Face cosine-with-warm-up schedule, and one training step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../../runtime/errors.js';
import type { Batch, LossKind, Model } from './model.js';
import type { TensorMap } from './safetensors.js';

export type { LossKind };

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * torch.optim.AdamW (amsgrad off), per parameter with step count t (from 1):
 *   p ← p·(1 − lr·wd);  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
 * in the same order of float32 operations as torch.
 */
export class AdamW {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private stepCount = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    options: AdamWOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * Apply one update. Parameters without a gradient are left alone (as torch does for grad None).
   * @param lr learning rate for this step (default: the constructor's).
   */
  step(grads: Record<string, tf.Tensor>, lr = this.lr): void {
    for (const name of Object.keys(grads)) if (!this.params.has(name)) throw new InputError(`AdamW: gradient for unknown parameter "${name}"`);
    this.stepCount++;
    const t = this.stepCount;
    const [beta1, beta2] = this.betas;
    const bc1 = 1 - beta1 ** t;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    const stepSize = lr / bc1;
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (!g) continue;
      if (!this.m.has(name)) {
        this.m.set(name, tf.variable(tf.zerosLike(p), false));
        this.v.set(name, tf.variable(tf.zerosLike(p), false));
      }
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        p.assign(tf.mul(p, 1 - lr * this.weightDecay));
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.mul(g, g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  /** Moments and step count, for a resumable checkpoint. */
  getState(): { step: number; tensors: TensorMap } {
    const tensors: TensorMap = {};
    for (const [name, m] of this.m) {
      tensors[`m.${name}`] = { shape: m.shape, data: m.dataSync() as Float32Array };
      tensors[`v.${name}`] = { shape: this.v.get(name)!.shape, data: this.v.get(name)!.dataSync() as Float32Array };
    }
    return { step: this.stepCount, tensors };
  }

  /** Restore what `getState` returned (the parameters must be the same). */
  setState(state: { step: number; tensors: TensorMap }): void {
    this.dispose();
    for (const [key, value] of Object.entries(state.tensors)) {
      const [which, ...rest] = key.split('.');
      const name = rest.join('.');
      const p = this.params.get(name);
      if (!p || (which !== 'm' && which !== 'v')) throw new InputError(`optimiser state has unknown entry "${key}"`);
      if (p.shape.join('x') !== value.shape.join('x')) {
        throw new InputError(`optimiser state "${key}" has shape [${value.shape}] but the parameter has [${p.shape}]`);
      }
      (which === 'm' ? this.m : this.v).set(name, tf.variable(tf.tensor(value.data, value.shape), false));
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Clamp every gradient to [−clip, clip] (torch.nn.utils.clip_grad_value_). Returns new tensors. */
export function clipGradValue(grads: Record<string, tf.Tensor>, clip: number): Record<string, tf.Tensor> {
  if (!(clip > 0)) throw new InputError(`clipGradValue: clip value must be > 0, got ${clip}`);
  return Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.clipByValue(g, -clip, clip)]));
}

/**
 * Learning-rate multiplier of Hugging Face `get_cosine_schedule_with_warmup` (num_cycles 0.5) for the
 * optimiser step with index `step` (0 for the first step; the scheduler is stepped once per batch):
 * linear warm-up step / warmup, then 0.5·(1 + cos(π·progress)).
 */
export function cosineWithWarmup(step: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
}

export interface TrainStepOptions {
  loss: LossKind;
  /** Clip gradients to ±clipValue before the update (the authors use 100); omit for no clipping. */
  clipValue?: number;
  /** Learning rate for this step (base rate × schedule multiplier). */
  lr: number;
}

/** Forward, backward, optional clipping and one AdamW update. Returns the loss before the update. */
export function trainStep(model: Model, optimizer: AdamW, batch: Batch, targets: Float32Array, options: TrainStepOptions): number {
  return tf.tidy(() => {
    const vars = [...model.variables.values()];
    const { value, grads } = tf.variableGrads(() => model.loss(batch, targets, options.loss), vars);
    // variableGrads keys gradients by the tfjs variable name; map back to the weight names.
    const byWeight: Record<string, tf.Tensor> = {};
    for (const [name, variable] of model.variables) if (grads[variable.name]) byWeight[name] = grads[variable.name]!;
    const clipped = options.clipValue !== undefined ? clipGradValue(byWeight, options.clipValue) : byWeight;
    optimizer.step(clipped, options.lr);
    return value.dataSync()[0]!;
  });
}
