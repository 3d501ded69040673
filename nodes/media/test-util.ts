/** Helpers for tests of the media and vision families: paths of committed media, running one node. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ItemContext, MapNodeDefinition } from '../../runtime/contract.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testMedia = (name: string): string => path.join(repoRoot, 'test/media', name);
export const sharedModels = path.resolve(repoRoot, '../shared/models');

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RunOnce {
  signal?: AbortSignal;
  logs?: string[];
}

/** Calls a map node's setup and run once, outside a graph, with a minimal context. */
export async function runMapNode<P>(
  def: MapNodeDefinition<P, unknown>,
  params: P,
  inputs: Record<string, unknown>,
  options: RunOnce = {},
): Promise<Record<string, unknown>> {
  const logs = options.logs ?? [];
  const shared = new Map<string, Promise<unknown>>();
  const ctx: ItemContext<P> = {
    nodeId: 'n',
    nodeType: def.type,
    params,
    graphFile: path.join(repoRoot, 'graph.json'),
    runDir: os.tmpdir(),
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug: () => {} },
    progress: { update: () => {} },
    signal: options.signal ?? new AbortController().signal,
    shared: <T>(key: string, factory: () => Promise<T>) => {
      if (!shared.has(key)) shared.set(key, factory());
      return shared.get(key) as Promise<T>;
    },
    onTeardown: () => {},
    writeOutput: async () => '',
    reportMetrics: () => {},
    key: 'k',
    skip: (reason: string) => {
      throw new Error(`skipped: ${reason}`);
    },
  };
  const state = def.setup ? await def.setup(ctx) : undefined;
  return def.run(inputs, ctx, state);
}

/** Reads every item of an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function meanChannel(rgb: Uint8Array, channel: 0 | 1 | 2): number {
  let s = 0;
  for (let i = channel; i < rgb.length; i += 3) s += rgb[i]!;
  return s / (rgb.length / 3);
}
