/**
 * Where a model's files are. A model is named by a local folder or by a Hugging Face id (+ revision):
 *
 *  1. a folder: `./x`, `../x`, `/abs/x`, `~/x`, or any path that exists relative to the graph file;
 *  2. `$AFFECTFLOW_MODELS/<org>/<name>` (a plain folder per model);
 *  3. the Hugging Face hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`,
 *     as `models--<org>--<name>/snapshots/<commit>/` where the commit is the revision itself (40 hex digits)
 *     or the content of `refs/<revision>`;
 *  4. only with `AFFECTFLOW_ALLOW_DOWNLOAD=1`: download the missing files from the hub (`$HF_ENDPOINT`,
 *     default https://huggingface.co; `$HF_TOKEN` for gated models) into 2 when set, else into 3.
 *
 * A model that is not found raises one `ModelNotFoundError` listing every missing file, every place looked
 * at and how to obtain the model (for models without ONNX files on the hub: the export command).
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Requirement } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';

/** A file the model needs; several names are alternatives (first present wins), e.g. `model.onnx` or `onnx/model.onnx`. */
export type FileRequirement = string | readonly string[];

export interface ModelRequest {
  /** What the model is for, e.g. "text encoder". */
  role: string;
  /** Local folder or Hugging Face id. */
  model: string;
  /** Hub revision (branch, tag or commit); default `main`. */
  revision?: string;
  files: readonly FileRequirement[];
  /** How to obtain the model when it is missing (export command, docs section). */
  hint: string;
  /** Relative folder paths are resolved against this file's folder. */
  graphFile?: string;
}

export interface ResolvedModel {
  /** Folder holding the files. */
  dir: string;
  /** First name of each requirement → absolute path of the alternative found. */
  files: Record<string, string>;
  source: 'folder' | 'affectflow-models' | 'hf-cache' | 'download';
}

/** One place a model was looked for, and what was missing there. */
export interface SearchedLocation {
  dir: string;
  label: string;
  missing: string[];
}

export type Env = Record<string, string | undefined>;

export class ModelNotFoundError extends InputError {
  constructor(
    readonly request: ModelRequest,
    readonly searched: SearchedLocation[],
    readonly missing: string[],
    readonly downloadNote: string,
  ) {
    super(formatNotFound(request, searched, missing, downloadNote));
  }
}

const HF_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;
const COMMIT = /^[0-9a-f]{40}$/;

function fileLabel(f: FileRequirement): string {
  return typeof f === 'string' ? f : f.length === 1 ? f[0]! : `${f[0]} (or ${f.slice(1).join(', ')})`;
}

function firstName(f: FileRequirement): string {
  return typeof f === 'string' ? f : f[0]!;
}

function alternatives(f: FileRequirement): readonly string[] {
  return typeof f === 'string' ? [f] : f;
}

function formatNotFound(req: ModelRequest, searched: SearchedLocation[], missing: string[], downloadNote: string): string {
  const lines = [
    `${req.role} "${req.model}"${isFolderName(req.model, req.graphFile) ? '' : ` (revision ${req.revision ?? 'main'})`} is missing ${missing.length} file${missing.length === 1 ? '' : 's'}:`,
    ...missing.map((m) => `  - ${m}`),
    'Looked in:',
    ...searched.map((s) => `  - ${s.dir} (${s.label})${s.missing.length ? `: missing ${s.missing.join(', ')}` : ''}`),
    'How to get it:',
    ...req.hint.split('\n').map((l) => `  ${l}`),
  ];
  if (downloadNote) lines.push(`  ${downloadNote}`);
  return lines.join('\n');
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** True when `model` names a folder rather than a hub id. */
export function isFolderName(model: string, graphFile?: string): boolean {
  if (/^(\.{1,2}[\\/]|[\\/]|~)/.test(model) || path.isAbsolute(model)) return true;
  if (!HF_ID.test(model)) return true;
  return existsSync(folderPath(model, graphFile));
}

function folderPath(model: string, graphFile?: string): string {
  const base = graphFile ? path.dirname(graphFile) : process.cwd();
  return path.resolve(base, expandHome(model));
}

export function hubCacheDir(env: Env = process.env): string {
  if (env['HF_HUB_CACHE']) return env['HF_HUB_CACHE'];
  if (env['HF_HOME']) return path.join(env['HF_HOME'], 'hub');
  return path.join(os.homedir(), '.cache', 'huggingface', 'hub');
}

function hubRepoDir(id: string, env: Env): string {
  return path.join(hubCacheDir(env), `models--${id.replaceAll('/', '--')}`);
}

/** The snapshot folder for a revision in the hub cache, or undefined when the revision's ref is absent. */
function hubSnapshot(id: string, revision: string, env: Env): { dir: string; label: string } {
  const repo = hubRepoDir(id, env);
  if (COMMIT.test(revision)) return { dir: path.join(repo, 'snapshots', revision), label: 'Hugging Face cache' };
  const ref = path.join(repo, 'refs', revision);
  if (existsSync(ref)) {
    const commit = readFileSync(ref, 'utf8').trim();
    return { dir: path.join(repo, 'snapshots', commit), label: `Hugging Face cache, refs/${revision} → ${commit.slice(0, 12)}` };
  }
  return { dir: path.join(repo, 'snapshots', `<refs/${revision}>`), label: `Hugging Face cache: no refs/${revision}` };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function check(dir: string, files: readonly FileRequirement[]): { found: Record<string, string>; missing: string[] } {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const f of files) {
    const hit = alternatives(f).find((name) => isFile(path.join(dir, name)));
    if (hit) found[firstName(f)] = path.join(dir, hit);
    else missing.push(fileLabel(f));
  }
  return { found, missing };
}

/** Candidate folders for a request, in search order. */
export function candidates(req: ModelRequest, env: Env = process.env): Array<{ dir: string; label: string; source: ResolvedModel['source'] }> {
  if (isFolderName(req.model, req.graphFile)) return [{ dir: folderPath(req.model, req.graphFile), label: 'folder', source: 'folder' }];
  const out: Array<{ dir: string; label: string; source: ResolvedModel['source'] }> = [];
  if (env['AFFECTFLOW_MODELS']) out.push({ dir: path.join(env['AFFECTFLOW_MODELS'], req.model), label: '$AFFECTFLOW_MODELS', source: 'affectflow-models' });
  const snap = hubSnapshot(req.model, req.revision ?? 'main', env);
  out.push({ ...snap, source: 'hf-cache' });
  // Listed so a mistyped relative folder shows up in the error; it does not exist (else it would be the folder).
  out.push({ dir: folderPath(req.model, req.graphFile), label: 'folder relative to the graph: absent', source: 'folder' });
  return out;
}

export interface Located {
  found?: ResolvedModel;
  searched: SearchedLocation[];
}

/** Look for the model's files without touching the network. */
export function locateModel(req: ModelRequest, env: Env = process.env): Located {
  const searched: SearchedLocation[] = [];
  for (const c of candidates(req, env)) {
    const { found, missing } = check(c.dir, req.files);
    if (missing.length === 0) return { found: { dir: c.dir, files: found, source: c.source }, searched };
    searched.push({ dir: c.dir, label: c.label, missing });
  }
  return { searched };
}

const downloadAllowed = (env: Env) => env['AFFECTFLOW_ALLOW_DOWNLOAD'] === '1';

/** What `run-graph models` shows for one model. */
export function modelRequirement(req: ModelRequest, env: Env = process.env): Requirement {
  const { found, searched } = locateModel(req, env);
  const what = `${req.role} ${req.model}${isFolderName(req.model, req.graphFile) ? '' : `@${req.revision ?? 'main'}`}`;
  if (found) return { what, location: found.dir, present: true };
  return { what, location: searched.map((s) => s.dir).join(' | '), present: false, missing: fewestMissing(searched), hint: req.hint };
}

/** The missing files of the most complete location looked at. */
function fewestMissing(searched: SearchedLocation[]): string[] {
  return searched.reduce((best, s) => (s.missing.length < best.missing.length ? s : best)).missing;
}

/** Find the model; download missing files when allowed; else throw `ModelNotFoundError`. */
export async function resolveModel(req: ModelRequest, env: Env = process.env, signal?: AbortSignal): Promise<ResolvedModel> {
  const { found, searched } = locateModel(req, env);
  if (found) return found;
  const missing = fewestMissing(searched);
  const folder = isFolderName(req.model, req.graphFile);
  if (folder || !downloadAllowed(env)) {
    const note = folder ? '' : 'or set AFFECTFLOW_ALLOW_DOWNLOAD=1 to download the files that the hub has.';
    throw new ModelNotFoundError(req, searched, missing, note);
  }
  return download(req, env, signal);
}

function hubEndpoint(env: Env): string {
  return (env['HF_ENDPOINT'] ?? 'https://huggingface.co').replace(/\/+$/, '');
}

/** Download every required file into $AFFECTFLOW_MODELS/<id> or the hub cache layout (temp file + rename). */
async function download(req: ModelRequest, env: Env, signal?: AbortSignal): Promise<ResolvedModel> {
  const revision = req.revision ?? 'main';
  const headers: Record<string, string> = env['HF_TOKEN'] ? { authorization: `Bearer ${env['HF_TOKEN']}` } : {};
  const notOnHub: string[] = [];
  const fetched: Array<{ name: string; file: string; tmp: string }> = [];
  let commit: string | undefined;
  const staging = path.join(os.tmpdir(), `affectflow-download-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    for (const f of req.files) {
      let got = false;
      for (const name of alternatives(f)) {
        const url = `${hubEndpoint(env)}/${req.model}/resolve/${encodeURIComponent(revision)}/${name}`;
        const res = await fetch(url, { headers, redirect: 'follow', ...(signal ? { signal } : {}) });
        if (res.status === 404) continue;
        if (!res.ok || !res.body) throw new InputError(`downloading ${url} failed: HTTP ${res.status} ${res.statusText}`);
        commit ??= res.headers.get('x-repo-commit') ?? undefined;
        const tmp = path.join(staging, `${fetched.length}`);
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
        fetched.push({ name: firstName(f), file: name, tmp });
        got = true;
        // Weights over 2 GB live beside the graph as external data; fetch them when the hub has them.
        if (name.endsWith('.onnx')) {
          for (const companion of [`${name}_data`, `${name}.data`]) {
            const data = await fetchIfPresent(`${hubEndpoint(env)}/${req.model}/resolve/${encodeURIComponent(revision)}/${companion}`, headers, staging, signal);
            if (data) fetched.push({ name: companion, file: companion, tmp: data });
          }
        }
        break;
      }
      if (!got) notOnHub.push(fileLabel(f));
    }
    if (notOnHub.length) {
      throw new ModelNotFoundError(
        req,
        [{ dir: `${hubEndpoint(env)}/${req.model}@${revision}`, label: 'Hugging Face hub', missing: notOnHub }],
        notOnHub,
        '',
      );
    }
    const snapshot = commit && COMMIT.test(commit) ? commit : revision;
    const target = env['AFFECTFLOW_MODELS'] ? path.join(env['AFFECTFLOW_MODELS'], req.model) : path.join(hubRepoDir(req.model, env), 'snapshots', snapshot);
    const files: Record<string, string> = {};
    for (const f of fetched) {
      const dest = path.join(target, f.file);
      mkdirSync(path.dirname(dest), { recursive: true });
      renameOrCopy(f.tmp, dest);
      files[f.name] = dest;
    }
    if (!env['AFFECTFLOW_MODELS'] && snapshot !== revision) {
      const ref = path.join(hubRepoDir(req.model, env), 'refs', revision);
      mkdirSync(path.dirname(ref), { recursive: true });
      writeFileSync(ref, snapshot);
    }
    return { dir: target, files, source: 'download' };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Download `url` into a fresh file under `dir`; undefined when the hub answers 404. */
async function fetchIfPresent(url: string, headers: Record<string, string>, dir: string, signal?: AbortSignal): Promise<string | undefined> {
  const res = await fetch(url, { headers, redirect: 'follow', ...(signal ? { signal } : {}) });
  if (res.status === 404) return undefined;
  if (!res.ok || !res.body) throw new InputError(`downloading ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const tmp = path.join(dir, `extra-${Math.random().toString(36).slice(2)}`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
  return tmp;
}

function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Different file systems: copy to a temporary name beside the target, then rename.
    const tmp = `${to}.partial-${process.pid}`;
    writeFileSync(tmp, readFileSync(from));
    renameSync(tmp, to);
  }
}
