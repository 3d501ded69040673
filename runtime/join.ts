/**
 * Packets and joins: what flows on a stream, and how a node's inputs are paired by sample key.
 */
import type { Observable } from 'rxjs';
import type { SymbolicInput } from './contract.js';
import { AffectflowError } from './errors.js';
import type { Lazy, Ticket } from './flow.js';
import type { Plan, PlannedNode } from './plan.js';

/**
 * One item on a stream. The fingerprint (identity of the value's content and lineage: equal fingerprints
 * mean equal values) is computed only when something asks for it: a cache lookup or a reduce.
 */
export class Packet {
  private fingerprint: string | undefined;
  constructor(
    readonly key: string,
    private readonly computeFp: () => string,
    readonly value: Lazy<unknown>,
    readonly tickets: Ticket[],
  ) {}

  get fp(): string {
    return (this.fingerprint ??= this.computeFp());
  }
}

export function memo(fn: () => string): () => string {
  let v: string | undefined;
  return () => (v ??= fn());
}

/** One input a node reads: a port (or one source of a `many` port, or one feed of a symbolic port). */
export interface Slot {
  /** Input port this slot fills. */
  port: string;
  /** Position within a `many` port, or the feed name for a symbolic port. */
  index: number | string;
  kind: 'keyed' | 'broadcast' | 'feed';
  stream: Observable<Packet>;
}

/** Build the `inputs` record a node sees from joined slot values. */
export function assembleInputs(
  node: PlannedNode,
  slots: Slot[],
  values: unknown[],
  symbolicPorts: string[],
  plan: Plan,
  forReduce = false,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const feeds: Record<string, Record<string, unknown>> = {};
  slots.forEach((slot, i) => {
    const v = values[i];
    if (slot.kind === 'feed') {
      (feeds[slot.port] ??= {})[slot.index as string] = v;
      return;
    }
    const spec = node.def.inputs[slot.port]!;
    if (spec.many) ((inputs[slot.port] as unknown[] | undefined) ?? (inputs[slot.port] = []) as unknown[])[slot.index as number] = v;
    else inputs[slot.port] = v;
  });
  for (const port of symbolicPorts) {
    const model = plan.symbolic.get(`${node.id}.${port}`) as SymbolicInput | undefined;
    inputs[port] = forReduce ? (feeds[port] ?? {}) : { model, feeds: feeds[port] ?? {} };
  }
  return inputs;
}

/** Pairs packets by key across slots. */
export class KeyedJoin {
  private readonly partial = new Map<string, Array<Packet | undefined>>();
  private readonly fired = new Set<string>();

  constructor(
    private readonly node: PlannedNode,
    private readonly width: number,
    private readonly onComplete: (key: string, packets: Packet[]) => void,
  ) {}

  push(slot: number, packet: Packet): void {
    if (this.width === 1) {
      this.checkNew(packet.key);
      this.fired.add(packet.key);
      this.onComplete(packet.key, [packet]);
      return;
    }
    let row = this.partial.get(packet.key);
    if (!row) {
      this.checkNew(packet.key);
      row = new Array<Packet | undefined>(this.width).fill(undefined);
      this.partial.set(packet.key, row);
    }
    if (row[slot]) {
      throw new AffectflowError(`sample "${packet.key}" arrived twice on one input`, { nodeId: this.node.id });
    }
    row[slot] = packet;
    if (row.every((p) => p)) {
      this.partial.delete(packet.key);
      this.fired.add(packet.key);
      this.onComplete(packet.key, row as Packet[]);
    }
  }

  private checkNew(key: string): void {
    if (this.fired.has(key)) {
      throw new AffectflowError(`sample "${key}" arrived twice`, { nodeId: this.node.id, key });
    }
  }

  /** After all inputs ended: any key seen on some inputs but not all is an error. */
  checkComplete(): void {
    if (this.partial.size === 0) return;
    const [key, row] = this.partial.entries().next().value as [string, Array<Packet | undefined>];
    const ports = this.portNames();
    const have = ports.filter((_, i) => row[i]);
    const lack = ports.filter((_, i) => !row[i]);
    throw new AffectflowError(
      `${this.partial.size} sample(s) arrived on some inputs but not on others, e.g. "${key}" came on ` +
        `${have.join(', ')} but never on ${lack.join(', ')}; the sources feeding this node disagree on their sample ids`,
      { nodeId: this.node.id, key },
    );
  }

  private portNames(): string[] {
    const names: string[] = [];
    for (const input of this.node.inputs) {
      if (input.spec.broadcast) continue;
      if (input.spec.symbolic) names.push(`${input.port} (feeds)`);
      else input.sources.forEach((s) => names.push(`${input.port} ← ${s.nodeId}.${s.port}`));
    }
    return names;
  }

  describeWaiting(nodeId: string): string | undefined {
    if (this.partial.size === 0) return undefined;
    const keys = [...this.partial.keys()].slice(0, 3);
    return `node "${nodeId}" holds ${this.partial.size} sample(s) waiting for other inputs (e.g. ${keys.map((k) => `"${k}"`).join(', ')})`;
  }
}

