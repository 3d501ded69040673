/**
 * ONNX sessions through onnxruntime-node (CPU). One session per model file and thread setting per run,
 * shared by every node that uses it (`ctx.shared`), released when the run ends.
 */
import * as ort from 'onnxruntime-node';
import type { NodeContext } from '../../runtime/contract.js';
import { errorMessage, InputError } from '../../runtime/errors.js';

export type Tensor = ort.Tensor;

export interface OnnxOptions {
  /** Threads inside one operator; 0 lets onnxruntime choose (all cores). */
  threads: number;
}

/** A loaded model file: its session plus error messages that name the file and the shapes fed. */
export class OnnxModel {
  constructor(
    readonly file: string,
    readonly session: ort.InferenceSession,
  ) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Fail early, naming the file, when the model lacks inputs/outputs the caller relies on. */
  expectSignature(inputs: readonly string[], outputs: readonly string[], what: string): void {
    const noIn = inputs.filter((n) => !this.inputNames.includes(n));
    const noOut = outputs.filter((n) => !this.outputNames.includes(n));
    if (noIn.length || noOut.length) {
      throw new InputError(
        `${this.file} does not have the signature of a ${what}: ` +
          [noIn.length ? `missing inputs ${noIn.join(', ')}` : '', noOut.length ? `missing outputs ${noOut.join(', ')}` : '']
            .filter(Boolean)
            .join('; ') +
          ` (it has inputs ${this.inputNames.join(', ')}; outputs ${this.outputNames.join(', ')}). See docs/models.md for the export recipe.`,
      );
    }
  }

  async run(feeds: Record<string, Tensor>, fetches?: readonly string[]): Promise<Record<string, Tensor>> {
    try {
      return fetches ? await this.session.run(feeds, [...fetches]) : await this.session.run(feeds);
    } catch (e) {
      const shapes = Object.entries(feeds)
        .map(([k, t]) => `${k}[${t.dims.join(',')}] ${t.type}`)
        .join(', ');
      throw new InputError(`running ${this.file} on ${shapes} failed: ${errorMessage(e)}`, {}, { cause: e });
    }
  }
}

/** Open a model file outside a graph run (benchmarks, scripts). */
export async function openOnnx(file: string, options: OnnxOptions): Promise<OnnxModel> {
  try {
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      ...(options.threads > 0 ? { intraOpNumThreads: options.threads } : {}),
    });
    return new OnnxModel(file, session);
  } catch (e) {
    throw new InputError(`cannot load ONNX model ${file}: ${errorMessage(e)}`, {}, { cause: e });
  }
}

/** The run's shared session for `file` (created once per file and thread count, released at the end). */
export function sharedOnnx(ctx: NodeContext<unknown>, file: string, options: OnnxOptions): Promise<OnnxModel> {
  return ctx.shared(`onnx:${file}:${options.threads}`, async () => {
    const model = await openOnnx(file, options);
    ctx.onTeardown(() => model.session.release());
    return model;
  });
}

export function floatTensor(data: Float32Array, dims: readonly number[]): Tensor {
  return new ort.Tensor('float32', data, [...dims]);
}

export function int64Tensor(data: BigInt64Array | readonly number[], dims: readonly number[]): Tensor {
  const values = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  return new ort.Tensor('int64', values, [...dims]);
}

/** A float output as [data, dims], checking its rank. */
export function floatOutput(t: Tensor | undefined, name: string, rank: number, file: string): { data: Float32Array; dims: number[] } {
  if (!t) throw new InputError(`${file} produced no output "${name}"`);
  if (t.type !== 'float32' || t.dims.length !== rank) {
    throw new InputError(`${file}: output "${name}" is ${t.type} [${t.dims.join(',')}], expected float32 of rank ${rank}`);
  }
  return { data: t.data as Float32Array, dims: [...t.dims] };
}
