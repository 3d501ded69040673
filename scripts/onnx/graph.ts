/**
 * A small builder for ONNX graphs: declare inputs, constants and operators by name, then encode a model.
 * Operator outputs get generated names unless given; constants become initializers.
 */
import {
  encodeModel,
  FloatAttr,
  FloatsAttr,
  type AttrValue,
  type ElemType,
  type NodeSpec,
  type TensorValue,
  type ValueInfo,
} from './proto.js';

export { FloatAttr, FloatsAttr };

export const OPSET = 17;

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorValue[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly counts = new Map<string, number>();

  constructor(readonly name: string) {}

  private fresh(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return `${prefix}_${n}`;
  }

  input(name: string, type: ElemType, shape: Array<number | string>): string {
    this.inputs.push({ name, type, shape });
    return name;
  }

  /** Declare `value` (an existing tensor name) as a graph output called `name` (adds an Identity if renamed). */
  output(name: string, type: ElemType, shape: Array<number | string>, value: string): void {
    if (value !== name) this.op('Identity', [value], {}, name);
    this.outputs.push({ name, type, shape });
  }

  /** A float constant of the given shape. */
  floats(prefix: string, dims: number[], data: Float32Array | number[]): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, type: 'float', dims, data: Float32Array.from(data) });
    return name;
  }

  /** An int64 constant (`dims` [] for a scalar). */
  ints(prefix: string, dims: number[], data: number[]): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, type: 'int64', dims, data: BigInt64Array.from(data.map((v) => BigInt(v))) });
    return name;
  }

  /** Add an operator; returns the name of its (first) output. */
  op(opType: string, inputs: string[], attributes: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      inputs,
      outputs: [out],
      name: this.fresh(`node_${opType}`),
      attributes: Object.entries(attributes),
    });
    return out;
  }

  // Frequent combinations, to keep the model builders readable.
  matmul(x: string, w: string): string {
    return this.op('MatMul', [x, w]);
  }
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  tanh(x: string): string {
    return this.op('Tanh', [x]);
  }
  /** ReduceMean over `axes`, keeping dims (opset 17: axes is an attribute). */
  mean(x: string, axes: number[]): string {
    return this.op('ReduceMean', [x], { axes, keepdims: 1 });
  }

  encode(docString?: string): Uint8Array {
    return encodeModel({
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
      opset: OPSET,
      producer: 'affectflow make-tiny-models',
      ...(docString ? { docString } : {}),
    });
  }
}
