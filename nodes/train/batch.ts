/** Assembling batches of time points from the per-sample window providers. */
import { InputError } from '../../runtime/errors.js';
import type { ReduceRow, SymbolicInput } from '../../runtime/contract.js';
import { isLayerHandle } from '../layer/layers.js';
import { modelFeeds, type FeedShape, type ModelSpec } from '../learn/model-ir.js';
import type { PointPlan } from '../learn/points.js';
import type { Point } from '../learn/points.js';
import { isWindow, type Window } from '../window/windows.js';

export type FeedBatch =
  | { kind: 'sequence'; data: Float32Array; lengths: Int32Array; maxLength: number; dim: number }
  | { kind: 'vector'; data: Float32Array; dim: number };

export type Batch = Record<string, FeedBatch>;

/** Per sample key: the window provider of each feed. */
export type SampleWindows = Map<string, Record<string, Window>>;

export function collectWindows(rows: Array<{ key: string; inputs: Record<string, unknown> }>, port: string, feeds: string[]): SampleWindows {
  const out: SampleWindows = new Map();
  for (const row of rows) {
    const values = row.inputs[port] as Record<string, unknown>;
    const windows: Record<string, Window> = {};
    for (const feed of feeds) {
      const w = values[feed];
      if (!isWindow(w)) {
        throw new InputError(
          `feed "${feed}" of sample "${row.key}" is not a window (got ${typeof w}); model inputs must come from window nodes`,
        );
      }
      windows[feed] = w;
    }
    out.set(row.key, windows);
  }
  return out;
}

/** Shapes of the feeds, from the first sample (all samples must agree on dims). */
export function feedShapes(windows: SampleWindows, feeds: string[]): Record<string, FeedShape> {
  const shapes: Record<string, FeedShape> = {};
  for (const feed of feeds) {
    let shape: FeedShape | undefined;
    for (const [key, w] of windows) {
      const win = w[feed]!;
      const s: FeedShape = win.kind === 'sequence' ? { kind: 'sequence', dim: win.dim, maxLength: win.maxLength } : { kind: 'vector', dim: win.dim };
      if (!shape) shape = s;
      else if (s.kind !== shape.kind || s.dim !== shape.dim) {
        throw new InputError(`feed "${feed}": sample "${key}" has ${s.kind}[${s.dim}] but others have ${shape.kind}[${shape.dim}]`);
      } else if (s.kind === 'sequence' && shape.kind === 'sequence') shape.maxLength = Math.max(shape.maxLength, s.maxLength);
    }
    if (!shape) throw new InputError(`feed "${feed}" has no samples`);
    shapes[feed] = shape;
  }
  return shapes;
}

export function assembleBatch(points: Point[], windows: SampleWindows, shapes: Record<string, FeedShape>, outputs: number): { batch: Batch; targets: Float32Array } {
  const B = points.length;
  const batch: Batch = {};
  for (const [feed, shape] of Object.entries(shapes)) {
    if (shape.kind === 'vector') {
      const data = new Float32Array(B * shape.dim);
      points.forEach((p, i) => data.set(windowOf(windows, p, feed).at(p.t) as Float32Array, i * shape.dim));
      batch[feed] = { kind: 'vector', data, dim: shape.dim };
    } else {
      const parts = points.map((p) => (windowOf(windows, p, feed) as Extract<Window, { kind: 'sequence' }>).at(p.t));
      // Right-padded to the feed's length; the model runs only as far as the longest real sequence.
      const maxLength = shape.maxLength;
      const data = new Float32Array(B * maxLength * shape.dim);
      const lengths = new Int32Array(B);
      parts.forEach((w, i) => {
        data.set(w.rows.subarray(0, w.length * shape.dim), i * maxLength * shape.dim);
        lengths[i] = Math.max(1, w.length);
      });
      batch[feed] = { kind: 'sequence', data, lengths, maxLength, dim: shape.dim };
    }
  }
  const targets = new Float32Array(B * outputs);
  points.forEach((p, i) => targets.set(p.target.subarray(0, outputs), i * outputs));
  return { batch, targets };
}

function windowOf(windows: SampleWindows, p: Point, feed: string): Window {
  const w = windows.get(p.key)?.[feed];
  if (!w) throw new InputError(`no "${feed}" window for sample "${p.key}" (it was skipped or never produced)`);
  return w;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ModelInputs {
  spec: ModelSpec;
  plan: PointPlan;
  windows: SampleWindows;
  shapes: Record<string, FeedShape>;
}

/** What a training or prediction node gets: the model built by the layer nodes, the plan, and the windows. */
export function modelInputs(rows: ReduceRow[], broadcast: Record<string, unknown>): ModelInputs {
  const symbolic = broadcast['model'] as SymbolicInput;
  if (!isLayerHandle(symbolic.value)) throw new InputError('input "model" must come from a layer node');
  const spec = symbolic.value.spec;
  const feeds = modelFeeds(spec);
  const windows = collectWindows(rows, 'model', feeds);
  if (windows.size === 0) throw new InputError('no samples reached the model (all skipped?)');
  return { spec, plan: broadcast['plan'] as PointPlan, windows, shapes: feedShapes(windows, feeds) };
}
