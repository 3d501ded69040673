import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { parseCsv } from './csv.js';
import { fileIdentity, layoutSource, LayoutCheck } from './layout.js';

const MEDIA = ['video', 'audio', 'transcript', 'faces'] as const;
type MediaColumn = (typeof MEDIA)[number];

interface ManifestParams {
  file: string;
  id: string;
  split: string;
  media: Partial<Record<MediaColumn, string>>;
  labels: string[];
}

interface Entry {
  id: string;
  split: string;
  media: Record<MediaColumn, string>;
  labels: Float32Array;
}

function records(file: string): Array<{ where: string; values: Record<string, unknown> }> {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.jsonl') || file.endsWith('.ndjson')) {
    return text
      .split(/\r?\n/)
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => l.trim())
      .map(({ l, i }) => {
        try {
          return { where: `${file}:${i + 1}`, values: JSON.parse(l) as Record<string, unknown> };
        } catch (e) {
          throw new InputError(`${file}:${i + 1}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
        }
      });
  }
  const rows = parseCsv(text);
  const header = rows.shift()?.cells.map((c) => c.trim()) ?? [];
  return rows.map((r) => ({ where: `${file}:${r.line}`, values: Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? ''])) }));
}

export function readManifest(p: ManifestParams): Entry[] {
  const check = new LayoutCheck(`manifest ${p.file}`);
  const base = path.dirname(p.file);
  const entries: Entry[] = [];
  for (const { where, values } of records(p.file)) {
    const id = String(values[p.id] ?? '').trim();
    if (!id) {
      check.problem(`${where}: column "${p.id}" (sample id) is empty or missing`);
      continue;
    }
    const media = {} as Record<MediaColumn, string>;
    for (const kind of MEDIA) {
      const column = p.media[kind];
      if (!column) {
        media[kind] = '';
        continue;
      }
      const v = String(values[column] ?? '').trim();
      if (!v) check.problem(`${where}: column "${column}" (${kind}) is empty`);
      media[kind] = v ? path.resolve(base, v) : '';
      if (v) check.need(media[kind], `${kind} of ${id}`);
    }
    const labels = Float32Array.from(p.labels, (c) => {
      const raw = values[c];
      if (raw === undefined || raw === '') return Number.NaN;
      const n = Number(raw);
      if (!Number.isFinite(n)) check.problem(`${where}: label "${c}" = ${JSON.stringify(raw)} is not a number`);
      return n;
    });
    entries.push({ id, split: String(values[p.split] ?? 'train').trim() || 'train', media, labels });
  }
  check.finish();
  return entries;
}

export const manifestDataset = defineNode<ManifestParams>({
  type: 'dataset/manifest',
  version: '1',
  description: 'Your own data: a CSV or JSONL manifest of sample id, split, media paths and label columns.',
  docs: `One row per sample. \`id\` and \`split\` name those columns; \`media\` maps the outputs \`video\`, \`audio\`,
\`transcript\`, \`faces\` to columns holding paths (relative to the manifest); \`labels\` lists numeric label columns
(output as \`label/vector\`, NaN when empty). Only wire outputs whose column is configured: the others are empty.`,
  kind: 'source',
  inputs: {},
  outputs: {
    video: { type: 'media/file' },
    audio: { type: 'media/file' },
    transcript: { type: 'media/file' },
    faces: { type: 'media/file' },
    labels: { type: 'label/vector' },
    split: { type: 'data/split' },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: { type: 'string', 'x-path': 'file', description: '.csv (with header) or .jsonl' },
      id: { type: 'string', default: 'id' },
      split: { type: 'string', default: 'split' },
      media: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(MEDIA.map((m) => [m, { type: 'string', description: `column with the ${m} path` }])),
        default: {},
      },
      labels: { type: 'array', items: { type: 'string' }, default: [] },
    },
  },
  ...layoutSource('manifest', readManifest, (e) => ({
    key: e.id,
    outputs: { ...e.media, labels: e.labels, split: e.split },
    fingerprints: Object.fromEntries(MEDIA.map((m) => [m, fileIdentity(e.media[m])])),
  })),
});
