/** Checking a dataset layout up front: collect every missing path, then fail once with all of them. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { JsonSchema, NodeContext, SourceItem } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { hashValue } from '../../runtime/hash.js';

export class LayoutCheck {
  private readonly missing: string[] = [];
  constructor(private readonly what: string) {}

  /** Record `file` as missing when it does not exist; returns whether it exists. */
  need(file: string, why?: string): boolean {
    if (existsSync(file)) return true;
    this.missing.push(why ? `${file} (${why})` : file);
    return false;
  }

  problem(message: string): void {
    this.missing.push(message);
  }

  /** Throw one error listing everything missing (the first 20, then a count). */
  finish(): void {
    if (!this.missing.length) return;
    const shown = this.missing.slice(0, 20).map((m) => `  - ${m}`);
    if (this.missing.length > 20) shown.push(`  … and ${this.missing.length - 20} more`);
    throw new InputError(`${this.what}: ${this.missing.length} missing or invalid:\n${shown.join('\n')}`);
  }
}

/** Size and modification time of a file (or "missing"), so cached features follow changes to the file. */
export function fileSignature(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

/** Signature of a folder's files (names, sizes, times), for folders of frames. */
export function dirSignature(dir: string): string {
  try {
    return readdirSync(dir)
      .sort()
      .map((f) => `${f}=${fileSignature(path.join(dir, f))}`)
      .join(';');
  } catch {
    return 'missing';
  }
}

/** Identity of a file output for the cache: its path, size and modification time. */
export function fileIdentity(file: string): string {
  return hashValue(file, fileSignature(file));
}

/** Identity of a folder output (e.g. face crops): its path and its files' names, sizes and times. */
export function dirIdentity(dir: string): string {
  return hashValue(dir, dirSignature(dir));
}

/**
 * `count` and `items` of a dataset source: the layout is read (and checked) once per run, then each entry
 * becomes one item.
 */
export function layoutSource<P, E>(
  name: string,
  read: (params: P) => E[],
  item: (entry: E) => SourceItem,
): { count(ctx: NodeContext<P>): Promise<number>; items(ctx: NodeContext<P>): AsyncIterable<SourceItem> } {
  const entries = (ctx: NodeContext<P>) => ctx.shared(`${name}-layout:${ctx.nodeId}`, async () => read(ctx.params));
  return {
    async count(ctx) {
      return (await entries(ctx)).length;
    },
    async *items(ctx) {
      for (const e of await entries(ctx)) yield item(e);
    },
  };
}

/** Params every dataset node has: the folder, the splits, which files must exist, and a limit for quick runs. */
export function commonDatasetParams(files: string[], required: string[], noun: string): Record<string, JsonSchema> {
  return {
    root: { type: 'string', 'x-path': 'dir', description: 'dataset folder' },
    splits: { type: 'array', items: { type: 'string' }, default: ['train', 'val', 'test'] },
    require: {
      type: 'array',
      items: { enum: files },
      default: required,
      description: `files that must exist for every ${noun}`,
    },
    limit: { type: 'integer', minimum: 1, description: `use only the first N ${noun}s (quick runs)` },
  };
}
