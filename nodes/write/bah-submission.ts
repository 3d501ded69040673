import { readFileSync } from 'node:fs';
import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { splitPredictions, type Predictions } from '../learn/points.js';
import type { Scores } from '../metrics/nodes.js';

const LINE = /^(.*)\/frame-(\d+)\.(?:jpe?g|png)(?:,.*)?$/i;

/**
 * The BAH submission: no header, `<video>/frame-<N>.jpg,<0|1>` per frame, in the order of the organisers'
 * example file when one is given (else by video, then frame).
 */
export function bahSubmission(p: Predictions, split: string, threshold: number, example?: { file: string; text: string }): string {
  const sp = splitPredictions(p, split);
  const decision = new Map<string, number>();
  sp.keys.forEach((key, i) => decision.set(`${key}#${sp.t[i]}`, sp.scores[i]! >= threshold ? 1 : 0));
  if (!example) {
    const order = sp.keys.map((key, i) => ({ key, t: sp.t[i]! })).sort((a, b) => a.key.localeCompare(b.key) || a.t - b.t);
    return order.map((o) => `${o.key}/frame-${o.t}.jpg,${decision.get(`${o.key}#${o.t}`)}`).join('\n') + '\n';
  }
  const out: string[] = [];
  const missing: string[] = [];
  example.text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const m = LINE.exec(line.trim());
    if (!m) throw new InputError(`${example.file}:${i + 1}: expected "<video>/frame-<N>.jpg,..." got "${line.slice(0, 80)}"`);
    const name = line.trim().split(',')[0]!;
    const d = decision.get(`${m[1]}#${Number(m[2])}`);
    if (d === undefined) missing.push(name);
    else out.push(`${name},${d}`);
  });
  if (missing.length) {
    throw new InputError(
      `${missing.length} frame(s) of ${example.file} have no prediction in split "${split}", e.g. ${missing.slice(0, 3).join(', ')}`,
    );
  }
  return out.join('\n') + '\n';
}

export const writeBahSubmission = defineNode<{ split: string; file: string; example?: string }>({
  type: 'write/bah-submission',
  version: '1',
  description: 'BAH submission file: `<video>/frame-<N>.jpg,<0|1>` per frame, in the example file’s order.',
  kind: 'map',
  sideEffects: true,
  inputs: { decisions: { type: 'pred/points' }, scores: { type: 'metrics/scores', description: 'gives the threshold' } },
  outputs: {},
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      split: { type: 'string', default: 'test' },
      file: { type: 'string', default: 'submission.txt' },
      example: { type: 'string', 'x-path': 'file', description: "the organisers' example submission (sets the order)" },
    },
  },
  async run(inputs, ctx) {
    const scores = inputs['scores'] as Scores;
    if (scores.threshold === undefined) throw new InputError('scores carry no threshold (use metrics/binary)');
    const example = ctx.params.example ? { file: ctx.params.example, text: readFileSync(ctx.params.example, 'utf8') } : undefined;
    const text = bahSubmission(inputs['decisions'] as Predictions, ctx.params.split, scores.threshold, example);
    ctx.log.info(`wrote ${await ctx.writeOutput(ctx.params.file, text)}`);
    return {};
  },
});
