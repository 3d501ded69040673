/**
 * Port types: a tiny grammar so edges can be checked before a run.
 *
 *   any                      matches everything
 *   family/name              an opaque named type, e.g. `audio/pcm16k`, `text/words`, `label/frame`
 *   name[T,D]                a shaped value (e.g. `tensor[T,768]`, `features[T,D]`); each dim is a number,
 *                            a symbol (matches any size) or `*`; names must match, as must ranks
 *   tensor[${units}]         dims may name a node param; resolved when the node's params are known
 *   A | B                    a port that accepts either type (inputs only)
 *
 * A symbol such as `T` or `D` only documents a dimension; two concrete numbers must be equal.
 */

export type Dim = number | string;

export type PortType =
  | { kind: 'any' }
  | { kind: 'named'; name: string }
  | { kind: 'shaped'; name: string; dims: Dim[] }
  | { kind: 'union'; members: PortType[] };

const NAMED = /^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9.-]*$/;
const SHAPED = /^([a-z][a-z0-9-]*)\[(.*)\]$/;
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
  if (s.includes('|')) {
    const members = s.split('|').map((m) => parsePortType(m));
    if (members.some((m) => m.kind === 'any')) return { kind: 'any' };
    return { kind: 'union', members };
  }
  const t = SHAPED.exec(s);
  if (t) {
    const inner = t[2]!.trim();
    const dims = inner === '' ? [] : inner.split(',').map((d) => d.trim());
    for (const d of dims) {
      if (!DIM.test(d)) {
        // An unresolved ${param} is treated as an unknown size rather than an error.
        if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(d)) continue;
        throw new PortTypeSyntaxError(`bad dimension "${d}" in port type "${text}"`);
      }
    }
    return { kind: 'shaped', name: t[1]!, dims: dims.map((d) => (/^\d+$/.test(d) ? Number(d) : d)) };
  }
  if (NAMED.test(s)) return { kind: 'named', name: s };
  throw new PortTypeSyntaxError(
    `port type "${text}" is not one of: any, family/name (e.g. audio/pcm16k), name[dims] (e.g. tensor[T,768]), A | B`,
  );
}

export function formatPortType(t: PortType): string {
  switch (t.kind) {
    case 'any':
      return 'any';
    case 'named':
      return t.name;
    case 'shaped':
      return `${t.name}[${t.dims.join(',')}]`;
    case 'union':
      return t.members.map(formatPortType).join(' | ');
  }
}

export type Compatibility = { ok: true } | { ok: false; reason: string };

/** Can a value of type `from` flow into a port of type `to`? */
export function compatible(from: PortType, to: PortType): Compatibility {
  if (from.kind === 'any' || to.kind === 'any') return { ok: true };
  if (to.kind === 'union') {
    const results = to.members.map((m) => compatible(from, m));
    return results.find((r) => r.ok) ?? { ok: false, reason: `${formatPortType(from)} is none of ${formatPortType(to)}` };
  }
  if (from.kind === 'union') {
    const bad = from.members.map((m) => compatible(m, to)).find((r) => !r.ok);
    return bad ?? { ok: true };
  }
  if (from.kind === 'named' && to.kind === 'named') {
    return from.name === to.name ? { ok: true } : { ok: false, reason: `${from.name} is not ${to.name}` };
  }
  if (from.kind === 'shaped' && to.kind === 'shaped') {
    if (from.name !== to.name) return { ok: false, reason: `${formatPortType(from)} is not ${formatPortType(to)}` };
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
