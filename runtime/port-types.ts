/**
 * Port types: a tiny grammar so edges can be checked before a run.
 *
 *   any                      matches everything
 *   family/name              an opaque named type, e.g. `audio/pcm16k`, `text/words`, `label/frame`
 *   tensor[T,D]              a tensor; each dim is a number, a symbol (matches any size) or `*`
 *   tensor[${units}]         dims may name a node param; resolved when the node's params are known
 *
 * A symbol such as `T` or `D` only documents a dimension; two concrete numbers must be equal.
 */

export type Dim = number | string;

export type PortType =
  | { kind: 'any' }
  | { kind: 'named'; name: string }
  | { kind: 'tensor'; dims: Dim[] };

const NAMED = /^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9.-]*$/;
const TENSOR = /^tensor\[(.*)\]$/;
const DIM = /^(\d+|[A-Za-z_][A-Za-z0-9_]*|\*)$/;

export class PortTypeSyntaxError extends Error {}

/** Replace `${param}` inside a type string with the node's param values. */
export function substituteTypeParams(text: string, params: Record<string, unknown>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const v = params[name];
    return typeof v === 'number' || typeof v === 'string' ? String(v) : whole;
  });
}

export function parsePortType(text: string): PortType {
  const s = text.trim();
  if (s === 'any') return { kind: 'any' };
  const t = TENSOR.exec(s);
  if (t) {
    const inner = t[1]!.trim();
    const dims = inner === '' ? [] : inner.split(',').map((d) => d.trim());
    for (const d of dims) {
      if (!DIM.test(d)) {
        // An unresolved ${param} is treated as an unknown size rather than an error.
        if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(d)) continue;
        throw new PortTypeSyntaxError(`bad dimension "${d}" in port type "${text}"`);
      }
    }
    return { kind: 'tensor', dims: dims.map((d) => (/^\d+$/.test(d) ? Number(d) : d)) };
  }
  if (NAMED.test(s)) return { kind: 'named', name: s };
  throw new PortTypeSyntaxError(
    `port type "${text}" is not one of: any, family/name (e.g. audio/pcm16k), tensor[dims] (e.g. tensor[T,768])`,
  );
}

export function formatPortType(t: PortType): string {
  switch (t.kind) {
    case 'any':
      return 'any';
    case 'named':
      return t.name;
    case 'tensor':
      return `tensor[${t.dims.join(',')}]`;
  }
}

export type Compatibility = { ok: true } | { ok: false; reason: string };

/** Can a value of type `from` flow into a port of type `to`? */
export function compatible(from: PortType, to: PortType): Compatibility {
  if (from.kind === 'any' || to.kind === 'any') return { ok: true };
  if (from.kind === 'named' && to.kind === 'named') {
    return from.name === to.name ? { ok: true } : { ok: false, reason: `${from.name} is not ${to.name}` };
  }
  if (from.kind === 'tensor' && to.kind === 'tensor') {
    if (from.dims.length !== to.dims.length) {
      return {
        ok: false,
        reason: `rank ${from.dims.length} (${formatPortType(from)}) is not rank ${to.dims.length} (${formatPortType(to)})`,
      };
    }
    for (let i = 0; i < from.dims.length; i++) {
      const a = from.dims[i]!;
      const b = to.dims[i]!;
      if (typeof a === 'number' && typeof b === 'number' && a !== b) {
        return { ok: false, reason: `dimension ${i} is ${a} but ${b} is expected` };
      }
    }
    return { ok: true };
  }
  return { ok: false, reason: `${formatPortType(from)} is not ${formatPortType(to)}` };
}
