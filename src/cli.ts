/**
 * `run-graph`: run, validate, draw and inspect affectflow graphs.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem, GraphValidationError } from '../runtime/errors.js';
import { parseOverrides } from '../runtime/loader.js';
import { toDot, toMermaid, renderSvg } from '../runtime/viz.js';
import { describeNode, describeNodeList } from './describe.js';
import { prepareGraph, runGraph } from './run.js';
import { createRegistry } from './registry.js';
import { extraCommands } from './commands.js';

const HELP = `run-graph — run affectflow dataflow graphs

usage:
  run-graph FILE [options]            run a graph (trains, evaluates, writes outputs to a run directory)
  run-graph validate FILE [options]   check a graph and print every problem found
  run-graph viz FILE [--out DIR]      write FILE's picture as SVG and Mermaid (and DOT)
  run-graph nodes [TYPE]              list node types with their ports and params
${extraCommands.map((c) => `  ${('run-graph ' + c.usage).padEnd(34)}  ${c.summary}`).join('\n')}

options:
  --set name=value     override a graph param (repeatable), e.g. --set lr=1e-4 --set data=/data/bah
  --preset NAME        apply a named set of params the graph declares (e.g. --preset paper)
  --out DIR            run directory (default runs/<graph>-<time>) or, for viz, output directory
  --cache DIR          cache directory (default .affectflow-cache or $AFFECTFLOW_CACHE)
  --no-cache           do not read or write cached node outputs
  --plugin FILE        load node types from a module (repeatable)
  --max-in-flight N    items each source may have in flight (default 16)
  --quiet              no progress lines
  --verbose            debug log lines
  --grid name=a,b,...  sweep: values to try for a param (repeatable; every combination runs)
  --title TEXT         sweep: title of the results table
  -h, --help           this help
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      set: { type: 'string', multiple: true },
      preset: { type: 'string' },
      out: { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean' },
      plugin: { type: 'string', multiple: true },
      'max-in-flight': { type: 'string' },
      quiet: { type: 'boolean' },
      verbose: { type: 'boolean' },
      format: { type: 'string' },
      grid: { type: 'string', multiple: true },
      title: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const [first, ...rest] = positionals;
  const overrides = parseOverrides(values.set ?? []);
  const plugins = values.plugin ?? [];
  const common = { overrides, plugins, ...(values.preset ? { preset: values.preset } : {}) };

  if (first === 'nodes') {
    const registry = createRegistry();
    for (const p of plugins) await registry.loadPlugin(path.resolve(p));
    if (rest[0]) {
      const def = registry.get(rest[0]);
      if (!def) {
        const near = registry.nearest(rest[0]);
        process.stderr.write(`unknown node type "${rest[0]}"${near.length ? `; did you mean ${near.join(', ')}?` : ''}\n`);
        return 1;
      }
      process.stdout.write(describeNode(def));
    } else process.stdout.write(describeNodeList(registry));
    return 0;
  }

  if (first === 'validate') {
    const file = need(rest[0], 'validate needs a graph file');
    const prepared = await prepareGraph(file, common);
    if (prepared.problems.length === 0) {
      process.stdout.write(`${file}: ok (${prepared.plan.nodes.size} nodes)\n`);
      return 0;
    }
    process.stdout.write(`${file}: ${prepared.problems.length} problem${prepared.problems.length === 1 ? '' : 's'}\n`);
    for (const p of prepared.problems) process.stdout.write(`  - ${formatProblem(p)}\n`);
    return 1;
  }

  if (first === 'viz') {
    const file = need(rest[0], 'viz needs a graph file');
    const prepared = await prepareGraph(file, common);
    const outDir = path.resolve(values.out ?? '.');
    mkdirSync(outDir, { recursive: true });
    const base = path.join(outDir, path.basename(file, '.json'));
    const dot = toDot(prepared.plan);
    writeFileSync(base + '.dot', dot);
    writeFileSync(base + '.mmd', toMermaid(prepared.plan));
    writeFileSync(base + '.svg', await renderSvg(dot));
    process.stdout.write(`wrote ${base}.svg, ${base}.mmd, ${base}.dot\n`);
    if (prepared.problems.length) {
      process.stderr.write(`note: the graph has ${prepared.problems.length} problem(s); run "run-graph validate ${file}"\n`);
    }
    return 0;
  }

  const extra = extraCommands.find((c) => c.name === first);
  if (extra) return extra.run(rest, { ...values, overrides, plugins } as Record<string, unknown>);

  // Default: run the graph.
  const file = first!;
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling (Ctrl-C again to force)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const run = await runGraph(file, {
      ...common,
      signal: controller.signal,
      ...(values.out ? { out: values.out } : {}),
      ...(values['no-cache'] ? { cache: false as const } : values.cache ? { cache: values.cache } : {}),
      ...(values.quiet ? { quiet: true } : {}),
      ...(values.verbose ? { verbose: true } : {}),
      ...(values['max-in-flight'] ? { maxInFlight: Number(values['max-in-flight']) } : {}),
    });
    process.stdout.write(`run directory: ${run.runDir}\n`);
    return 0;
  } catch (e) {
    if (controller.signal.aborted) {
      process.stderr.write('run cancelled\n');
      return 130;
    }
    if (e instanceof GraphValidationError) {
      process.stderr.write(`${file}: ${e.problems.length} problem(s)\n`);
      for (const p of e.problems) process.stderr.write(`  - ${formatProblem(p)}\n`);
      return 1;
    }
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (values.verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function need(v: string | undefined, message: string): string {
  if (!v) throw new Error(message);
  return v;
}
