/** Sub-commands beyond run/validate/viz/nodes: `models` (what a graph needs on disk) and `sweep` (tables). */
import path from 'node:path';
import { runSweep, expandGrid, type SweepRun } from './sweep.js';
import { liveNodes } from '../runtime/plan.js';
import { prepareGraph } from './run.js';

export interface ExtraCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: string[], options: Record<string, unknown>): Promise<number>;
}

const models: ExtraCommand = {
  name: 'models',
  usage: 'models FILE',
  summary: 'list the models and files the graph needs, and whether each is present',
  async run(args, options) {
    const file = args[0];
    if (!file) throw new Error('models needs a graph file');
    const prepared = await prepareGraph(file, {
      overrides: options['overrides'] as Record<string, unknown>,
      plugins: options['plugins'] as string[],
      ...(typeof options['preset'] === 'string' ? { preset: options['preset'] } : {}),
    });
    let missing = 0;
    let listed = 0;
    const live = liveNodes(prepared.plan);
    for (const id of prepared.plan.order) {
      const node = prepared.plan.nodes.get(id)!;
      if (!node.def.requires || !live.has(id)) continue;
      for (const r of await node.def.requires(node.params, node.resolved.file)) {
        listed++;
        if (!r.present) missing++;
        process.stdout.write(`${r.present ? 'present' : 'MISSING'}  ${id} (${node.def.type}): ${r.what}\n          ${r.location}\n`);
        if (!r.present && r.missing?.length) process.stdout.write(`          missing: ${r.missing.join(', ')}\n`);
        if (!r.present && r.hint) process.stdout.write(`          ${r.hint.split('\n').join('\n          ')}\n`);
      }
    }
    process.stdout.write(listed ? `${listed - missing} of ${listed} present\n` : 'this graph needs no models\n');
    return missing ? 1 : 0;
  },
};

const sweep: ExtraCommand = {
  name: 'sweep',
  usage: 'sweep FILE... [--grid k=a,b]',
  summary: 'run graphs (or one graph over a param grid) and write one results table',
  async run(args, options) {
    if (!args.length) throw new Error('sweep needs at least one graph file');
    const grid = expandGrid((options['grid'] as string[] | undefined) ?? []);
    const base = (options['overrides'] as Record<string, unknown>) ?? {};
    const runs: SweepRun[] = args.flatMap((file) =>
      grid.map((g) => ({
        file,
        overrides: { ...base, ...g },
        label: path.basename(file, '.json') + (Object.keys(g).length ? ' ' + Object.entries(g).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') : ''),
      })),
    );
    const out = path.resolve((options['out'] as string | undefined) ?? `runs/sweep-${Date.now()}`);
    const { markdown, rows } = await runSweep(runs, {
      out,
      title: (options['title'] as string | undefined) ?? 'Results',
      plugins: options['plugins'] as string[],
      ...(typeof options['preset'] === 'string' ? { preset: options['preset'] } : {}),
      quiet: options['quiet'] === true,
      ...(options['no-cache'] ? { cache: false as const } : options['cache'] ? { cache: options['cache'] as string } : {}),
      onProgress: (line) => process.stderr.write(line + '\n'),
    });
    process.stdout.write(markdown + `\nwritten to ${path.join(out, 'results.md')} and results.csv\n`);
    return rows.every((r) => r.status === 'ok') ? 0 : 1;
  },
};

export const extraCommands: ExtraCommand[] = [models, sweep];
