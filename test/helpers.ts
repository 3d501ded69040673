/** Shared test helpers: temporary directories, graph files, a registry with the test nodes. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeRegistry } from '../runtime/registry.js';
import { createRegistry } from '../src/registry.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const testNodesPath = path.join(repoRoot, 'test/fixtures/test-nodes.mjs');

export function tmpDir(prefix = 'affectflow-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeGraph(dir: string, name: string, graph: unknown): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof graph === 'string' ? graph : JSON.stringify(graph, null, 2));
  return file;
}

export async function testRegistry(): Promise<NodeRegistry> {
  const registry = createRegistry();
  await registry.loadPlugin(testNodesPath);
  return registry;
}

export interface Call {
  node: string;
  key: string;
  op: string;
  [k: string]: unknown;
}

export function calls(): Call[] {
  const g = globalThis as unknown as { __afCalls?: Call[] };
  return (g.__afCalls ??= []);
}

export function resetCalls(): void {
  calls().length = 0;
}
