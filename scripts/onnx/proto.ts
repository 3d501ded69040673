/**
 * A minimal protobuf encoder for the subset of onnx.proto needed to write small inference models:
 * ModelProto, OperatorSetIdProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * TypeProto(.Tensor), TensorShapeProto. Field numbers follow onnx/onnx.proto (proto2).
 *
 * Encoding is deterministic: fields are written in a fixed order, repeated scalars unpacked (accepted by every
 * protobuf parser), tensor data as little-endian `raw_data`. The same inputs give the same bytes.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  private rawVarint(value: number | bigint): void {
    // Negative int64 values are written as 10-byte two's complement varints, as protobuf requires.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint((field << 3) | wireType);
  }

  varint(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new Error(`field ${field}: ${value} is not an integer`);
    this.tag(field, VARINT);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
export type ElemType = 'float' | 'int64' | 'int32';
const elemCode: Record<ElemType, number> = { float: DataType.FLOAT, int64: DataType.INT64, int32: DataType.INT32 };

/** A constant tensor (initializer or attribute value). */
export interface TensorValue {
  name?: string;
  type: ElemType;
  dims: number[];
  /** Float32Array for float, BigInt64Array for int64, Int32Array for int32. */
  data: Float32Array | BigInt64Array | Int32Array;
}

function littleEndianBytes(t: TensorValue): Uint8Array {
  const n = t.data.length;
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (n !== expected) throw new Error(`tensor ${t.name ?? ''}: ${n} values for dims [${t.dims}]`);
  const width = t.type === 'int64' ? 8 : 4;
  const out = new Uint8Array(n * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    if (t.type === 'float') view.setFloat32(i * 4, (t.data as Float32Array)[i]!, true);
    else if (t.type === 'int32') view.setInt32(i * 4, (t.data as Int32Array)[i]!, true);
    else view.setBigInt64(i * 8, (t.data as BigInt64Array)[i]!, true);
  }
  return out;
}

export function writeTensor(w: ProtoWriter, t: TensorValue): void {
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, elemCode[t.type]);
  if (t.name !== undefined) w.string(8, t.name);
  w.bytes(9, littleEndianBytes(t));
}

/** Attribute values: integers, floats (wrapped, so 1.0 is not taken for an int), lists, strings, tensors. */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export class FloatsAttr {
  constructor(readonly values: number[]) {}
}
export type AttrValue = number | FloatAttr | FloatsAttr | number[] | string | TensorValue;

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

function writeAttribute(w: ProtoWriter, name: string, value: AttrValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use FloatAttr for the float ${value}`);
    w.varint(3, value).varint(20, AttributeType.INT);
  } else if (value instanceof FloatAttr) {
    w.float(2, value.value).varint(20, AttributeType.FLOAT);
  } else if (value instanceof FloatsAttr) {
    for (const f of value.values) w.float(7, f);
    w.varint(20, AttributeType.FLOATS);
  } else if (Array.isArray(value)) {
    for (const i of value) w.varint(8, i);
    w.varint(20, AttributeType.INTS);
  } else if (typeof value === 'string') {
    w.string(4, value).varint(20, AttributeType.STRING);
  } else {
    w.message(5, (t) => writeTensor(t, value)).varint(20, AttributeType.TENSOR);
  }
}

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes: Array<[string, AttrValue]>;
}

/** A graph input or output: element type and shape (numbers are fixed sizes, strings symbolic). */
export interface ValueInfo {
  name: string;
  type: ElemType;
  shape: Array<number | string>;
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, elemCode[v.type]);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorValue[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelSpec {
  graph: GraphSpec;
  opset: number;
  producer: string;
  /** onnx IR version; 8 is the one paired with opset 17. */
  irVersion?: number;
  docString?: string;
}

export function encodeModel(m: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion ?? 8);
  w.string(2, m.producer);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (g) => {
    for (const n of m.graph.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.opType);
        for (const [name, value] of n.attributes) nw.message(5, (a) => writeAttribute(a, name, value));
      });
    }
    g.string(2, m.graph.name);
    for (const t of m.graph.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of m.graph.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of m.graph.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => o.string(1, '').varint(2, m.opset));
  return w.finish();
}
