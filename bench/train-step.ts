/**
 * Times one training step (forward + backward + gradient clipping + AdamW) of the engine on the paper's
 * vision branch (LSTM 1280→768, 2 layers, 400 steps, batch 32, + fusion head to 6 outputs, MSE) and on a
 * reduced shape. Compare with bench/train_step_torch.py (PyTorch, 2 threads).
 *
 *   node --import tsx bench/train-step.ts [--shape full|small|all] [--steps N] [--warmup N] [--out FILE]
 *
 * Writes a JSON summary (default bench/results/train-step-tfjs.json when all shapes run).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../nodes/tf/backend.js';
import { Rng } from '../nodes/learn/engine/rng.js';
import { createModel } from '../nodes/learn/engine/model.js';
import { AdamW, trainStep } from '../nodes/learn/engine/optim.js';
import { matMulThreads, matMulWorkersReady } from '../nodes/learn/engine/parallel-matmul.js';

export interface Shape {
  name: string;
  batch: number;
  steps: number;
  input: number;
  units: number;
  layers: number;
  hidden: number;
  outputs: number;
  timedSteps: number;
  warmupSteps: number;
}

export const SHAPES: Shape[] = [
  { name: 'full', batch: 32, steps: 400, input: 1280, units: 768, layers: 2, hidden: 768, outputs: 6, timedSteps: 3, warmupSteps: 1 },
  { name: 'small', batch: 32, steps: 100, input: 256, units: 128, layers: 2, hidden: 128, outputs: 6, timedSteps: 20, warmupSteps: 2 },
];

async function timeShape(shape: Shape, kernels: 'fast' | 'generic' | undefined) {
  const spec = {
    layers: [
      { kind: 'lstm' as const, id: 'vision', input: { feed: 'frames' }, units: shape.units, layers: shape.layers },
      { kind: 'fusion' as const, id: 'head', inputs: [{ layer: 'vision' }], hidden: shape.hidden, outputs: shape.outputs },
    ],
    output: 'head',
  };
  const feeds = { frames: { kind: 'sequence' as const, dim: shape.input, maxLength: shape.steps } };
  const model = createModel(spec, feeds, 3407, kernels ? { kernels } : {});
  const optimizer = new AdamW(model.variables, { lr: 1e-4, weightDecay: 0.01 });
  const rng = new Rng(1);
  const data = rng.uniform(shape.batch * shape.steps * shape.input, 1);
  const batch = { frames: { kind: 'sequence' as const, data, lengths: new Int32Array(shape.batch).fill(shape.steps) } };
  const targets = rng.uniform(shape.batch * shape.outputs, 1);
  const times: number[] = [];
  let peakBytes = 0;
  for (let i = 0; i < shape.warmupSteps + shape.timedSteps; i++) {
    const start = performance.now();
    const loss = trainStep(model, optimizer, batch, targets, { loss: 'mse', clipValue: 100, lr: 1e-4 });
    const ms = performance.now() - start;
    if (i >= shape.warmupSteps) times.push(ms);
    peakBytes = Math.max(peakBytes, process.memoryUsage().rss);
    console.error(`${shape.name} step ${i}${i < shape.warmupSteps ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms, loss ${loss.toFixed(5)}`);
  }
  optimizer.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  return {
    shape,
    medianMs: times[Math.floor(times.length / 2)]!,
    minMs: times[0]!,
    timesMs: times,
    peakRssMiB: Math.round(peakBytes / 2 ** 20),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string', default: 'all' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      kernels: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const backend = await selectBackend(undefined, (m) => console.error(m));
  const shapes = SHAPES.filter((s) => values.shape === 'all' || s.name === values.shape).map((s) => ({
    ...s,
    ...(values.steps ? { timedSteps: Number(values.steps) } : {}),
    ...(values.warmup ? { warmupSteps: Number(values.warmup) } : {}),
  }));
  if (!shapes.length) throw new Error(`unknown shape "${values.shape}" (full, small, all)`);
  const kernels = values.kernels as 'fast' | 'generic' | undefined;
  const workers = backend === 'wasm' && kernels !== 'generic' ? matMulWorkersReady() : 0;
  console.error(`matmul threads: ${workers + 1} (requested ${matMulThreads()})`);
  const results = [];
  for (const s of shapes) results.push(await timeShape(s, kernels));
  const summary = {
    tool: 'affectflow (TensorFlow.js)',
    backend,
    kernels: kernels ?? 'fast',
    threads: workers + 1,
    tfjsVersion: tf.version_core,
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    date: new Date().toISOString(),
    results,
  };
  const out = values.out ?? (values.shape === 'all' ? 'bench/results/train-step-tfjs.json' : undefined);
  if (out) {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(`${out}.tmp`, JSON.stringify(summary, null, 2) + '\n');
    renameSync(`${out}.tmp`, out);
    console.error(`wrote ${out}`);
  }
  console.log(JSON.stringify(results.map((r) => ({ shape: r.shape.name, medianMs: Math.round(r.medianMs), peakRssMiB: r.peakRssMiB }))));
}

await main();
