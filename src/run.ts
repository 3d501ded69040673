/**
 * The public way to check and run a graph file: load → plan (all problems) → execute into a run directory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../runtime/contract.js';
import { GraphValidationError, type Problem } from '../runtime/errors.js';
import { executePlan, writeAtomic, type RunResult } from '../runtime/execute.js';
import { loadGraph, type LoadedGraph } from '../runtime/loader.js';
import { liveNodes, planGraph, type Plan } from '../runtime/plan.js';
import { ProgressBoard } from '../runtime/progress.js';
import type { NodeRegistry } from '../runtime/registry.js';
import { createLogger } from './logger.js';
import { createRegistry } from './registry.js';

export interface PrepareOptions {
  overrides?: Record<string, unknown>;
  /** A preset declared by the graph (`--preset`). */
  preset?: string;
  /** Extra plugin modules (paths) to register, as `--plugin` does. */
  plugins?: string[];
  registry?: NodeRegistry;
  cwd?: string;
}

export interface Prepared {
  graph: LoadedGraph;
  plan: Plan;
  registry: NodeRegistry;
  problems: Problem[];
}

/** Load and check a graph; never throws for problems in the graph (they are returned). */
export async function prepareGraph(file: string, options: PrepareOptions = {}): Promise<Prepared> {
  const registry = options.registry ?? createRegistry();
  const cwd = options.cwd ?? process.cwd();
  const graph = loadGraph(file, {
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.preset !== undefined ? { preset: options.preset } : {}),
    cwd,
  });
  const pluginProblems: Problem[] = [];
  for (const plugin of [...(options.plugins ?? []).map((p) => path.resolve(cwd, p)), ...graph.plugins]) {
    try {
      await registry.loadPlugin(plugin);
    } catch (e) {
      pluginProblems.push({ code: 'plugin', file: graph.file, message: e instanceof Error ? e.message : String(e) });
    }
  }
  graph.problems.push(...pluginProblems);
  const plan = planGraph(graph, registry);
  plan.problems.push(...(await missingRequirements(plan)));
  return { graph, plan, registry, problems: plan.problems };
}

/**
 * What nodes need on disk (models, tokenizers) and lack, as problems: a run with a missing model should fail
 * before it starts, listing every missing model, not at the first one it reaches.
 */
async function missingRequirements(plan: Plan): Promise<Problem[]> {
  const problems: Problem[] = [];
  const live = liveNodes(plan);
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    // Nodes that never run (an unused branch of an included part) need nothing.
    if (!node.def.requires || !live.has(id) || plan.problems.some((p) => p.nodeId === id)) continue;
    let requirements;
    try {
      requirements = await node.def.requires(node.params, node.resolved.file);
    } catch (e) {
      problems.push({ code: 'missing-file', file: node.resolved.file, nodeId: id, message: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const r of requirements) {
      if (r.present) continue;
      const problem: Problem = {
        code: 'missing-file',
        file: node.resolved.file,
        nodeId: id,
        message: `${r.what} is missing${r.missing?.length ? ` ${r.missing.join(', ')}` : ''} (looked in ${r.location})`,
      };
      if (r.hint) problem.hint = r.hint;
      problems.push(problem);
    }
  }
  return problems;
}

export interface RunGraphOptions extends PrepareOptions {
  /** Run directory; default `runs/<graph name>-<timestamp>` under cwd. */
  out?: string;
  /** Cache directory; `false` disables the cache. Default `.affectflow-cache` under cwd or $AFFECTFLOW_CACHE. */
  cache?: string | false;
  signal?: AbortSignal;
  quiet?: boolean;
  verbose?: boolean;
  log?: Logger & { toFile?(f: string): void };
  /** Where progress lines go (default stderr unless quiet). */
  progressWrite?: (line: string) => void;
  progressIntervalMs?: number;
  maxInFlight?: number;
}

export interface GraphRun extends RunResult {
  runDir: string;
  graph: LoadedGraph;
  seconds: number;
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function defaultRunDir(graphName: string, cwd = process.cwd()): string {
  let dir = path.resolve(cwd, 'runs', `${graphName}-${timestamp()}`);
  for (let i = 2; existsSync(dir); i++) dir = path.resolve(cwd, 'runs', `${graphName}-${timestamp()}-${i}`);
  return dir;
}

/** The graph as it will run: resolved params and flattened nodes (written to the run directory). */
export function resolvedGraphJson(prepared: Prepared): Record<string, unknown> {
  const { graph, plan } = prepared;
  return {
    name: graph.name,
    description: graph.description,
    task: graph.task,
    file: graph.file,
    params: Object.fromEntries(Object.entries(graph.params).map(([k, v]) => [k, v.value])),
    nodes: plan.order.map((id) => {
      const n = plan.nodes.get(id)!;
      return {
        id,
        type: n.def.type,
        version: n.def.version,
        params: n.params,
        in: n.resolved.in,
        ...(n.resolved.cluster.length ? { cluster: n.resolved.cluster.join('/') } : {}),
      };
    }),
  };
}

/** Validate then run a graph file. Throws GraphValidationError listing every problem if it is invalid. */
export async function runGraph(file: string, options: RunGraphOptions = {}): Promise<GraphRun> {
  const cwd = options.cwd ?? process.cwd();
  const prepared = await prepareGraph(file, options);
  if (prepared.problems.length) throw new GraphValidationError(prepared.problems, prepared.graph.file);
  const runDir = path.resolve(cwd, options.out ?? defaultRunDir(prepared.graph.name, cwd));
  const log = options.log ?? createLogger({ ...(options.quiet ? { quiet: true } : {}), ...(options.verbose ? { verbose: true } : {}) });
  log.toFile?.(path.join(runDir, 'log.txt'));
  await writeAtomic(path.join(runDir, 'graph.resolved.json'), JSON.stringify(resolvedGraphJson(prepared), null, 2));
  const cacheDir =
    options.cache === false ? undefined : path.resolve(cwd, options.cache ?? process.env['AFFECTFLOW_CACHE'] ?? '.affectflow-cache');
  const progressWrite = options.progressWrite ?? (options.quiet ? undefined : (l: string) => process.stderr.write(l + '\n'));
  const progress = new ProgressBoard(progressWrite, options.progressIntervalMs ?? 2000);
  log.info(`running ${prepared.graph.name} (${prepared.plan.nodes.size} nodes) → ${runDir}`);
  const t0 = performance.now();
  const status = async (s: Record<string, unknown>) =>
    writeAtomic(path.join(runDir, 'status.json'), JSON.stringify({ ...s, seconds: (performance.now() - t0) / 1000 }, null, 2));
  try {
    const result = await executePlan(prepared.plan, {
      runDir,
      ...(cacheDir ? { cacheDir } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      log,
      progress,
      ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    const summary = {
      graph: prepared.graph.name,
      seconds,
      metrics: result.metrics,
      skipped: result.skipped,
      nodes: result.counts,
      ...(result.cache ? { cache: result.cache } : {}),
    };
    await writeAtomic(path.join(runDir, 'metrics.json'), JSON.stringify(summary, null, 2));
    await status({ status: 'ok' });
    if (result.skipped.length) log.warn(`${result.skipped.length} sample(s) skipped; see metrics.json`);
    log.info(`done in ${seconds.toFixed(1)}s`);
    return { ...result, runDir, graph: prepared.graph, seconds };
  } catch (e) {
    await status({ status: 'failed', error: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
    throw e;
  }
}
