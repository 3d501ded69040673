/**
 * Builds the deterministic tiny ONNX models used by tests and benchmarks (same input/output signatures as
 * the real exports; random weights), with their tokenizer/config/preprocessor files.
 *
 *   node --import tsx scripts/make-tiny-models.ts [--out samples/models] [--words <text file>]
 *
 * `--words` adds the words of a text file to the tiny text model's vocabulary (so sample transcripts
 * tokenise into whole words). The arguments are recorded in `<out>/MANIFEST.json`; a test re-runs the script
 * with them and checks that every committed file is reproduced byte for byte.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyModels } from './onnx/tiny-folders.js';
import { DEFAULT_WORDS, wordsOf } from './onnx/words.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Manifest {
  generator: string;
  /** Word file relative to the repository root, when one was given. */
  words: string | null;
  files: Record<string, { bytes: number; sha256: string }>;
}

function parseArgs(argv: string[]): { out: string; words: string | null } {
  let out = path.join(repoRoot, 'samples/models');
  let words: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--out' || arg === '--words') && value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--out') out = path.resolve(value!);
    else if (arg === '--words') words = path.resolve(value!);
    else throw new Error(`unknown argument ${arg}; usage: make-tiny-models.ts [--out dir] [--words file]`);
    i++;
  }
  return { out, words };
}

function writeAtomic(file: string, data: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export function main(argv: string[]): Manifest {
  const { out, words } = parseArgs(argv);
  const extra = words ? wordsOf(readFileSync(words, 'utf8')) : [];
  const folders = tinyModels({ words: [...new Set([...DEFAULT_WORDS, ...extra])] });
  const manifest: Manifest = {
    generator: 'node --import tsx scripts/make-tiny-models.ts',
    words: words ? path.relative(repoRoot, words).split(path.sep).join('/') : null,
    files: {},
  };
  for (const [folder, files] of Object.entries(folders)) {
    for (const [name, data] of Object.entries(files)) {
      const rel = `${folder}/${name}`;
      writeAtomic(path.join(out, rel), data);
      manifest.files[rel] = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    }
  }
  writeAtomic(path.join(out, 'MANIFEST.json'), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = main(process.argv.slice(2));
  const total = Object.values(manifest.files).reduce((s, f) => s + f.bytes, 0);
  console.log(`wrote ${Object.keys(manifest.files).length} files, ${(total / 1024).toFixed(0)} KiB`);
}
