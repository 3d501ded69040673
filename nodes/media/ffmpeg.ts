/**
 * Finding and running ffmpeg.
 *
 * The binary is resolved once per process, in this order: `FFMPEG_PATH` → `ffmpeg-static` (optional
 * dependency) → `@ffmpeg-installer/ffmpeg` (ships a static build) → `ffmpeg` on PATH. Each candidate is
 * checked by running `-version`; the choice is logged once.
 *
 * Two ways to run it: `runFfmpeg` collects everything (probing), `streamFfmpeg` yields stdout in pieces
 * (optionally of an exact size, e.g. one raw video frame each) and reads only as fast as its consumer pulls,
 * so a slow consumer makes ffmpeg block on a full pipe instead of filling memory. The child is killed when
 * the consumer stops early or the signal aborts; a failing ffmpeg becomes an `InputError` that names the
 * file and quotes ffmpeg's relevant stderr lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { CancelledError, InputError } from '../../runtime/errors.js';

export interface FfmpegBinary {
  path: string;
  /** Where it came from, e.g. `@ffmpeg-installer/ffmpeg`. */
  source: string;
  /** First line of `ffmpeg -version`. */
  version: string;
}

type LogFn = (message: string) => void;

const require = createRequire(import.meta.url);

export interface Candidate {
  source: string;
  /** Path of the binary, or why the candidate has none. */
  locate(): { path: string } | { missing: string };
}

/** The places ffmpeg is looked for, in order. */
export function candidates(): Candidate[] {
  return [
    {
      source: 'FFMPEG_PATH',
      locate: () => {
        const p = process.env['FFMPEG_PATH']?.trim();
        return p ? { path: p } : { missing: 'not set' };
      },
    },
    {
      source: 'ffmpeg-static',
      locate: () => fromPackage('ffmpeg-static', (m) => (typeof m === 'string' ? m : undefined)),
    },
    {
      source: '@ffmpeg-installer/ffmpeg',
      locate: () =>
        fromPackage('@ffmpeg-installer/ffmpeg', (m) => {
          const p = (m as { path?: unknown } | null)?.path;
          return typeof p === 'string' ? p : undefined;
        }),
    },
    { source: 'PATH', locate: () => ({ path: process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg' }) },
  ];
}

function fromPackage(name: string, pick: (module: unknown) => string | undefined): { path: string } | { missing: string } {
  let module: unknown;
  try {
    module = require(name);
  } catch (e) {
    // @ffmpeg-installer throws a plain string on unsupported platforms.
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { missing: /Cannot find module/.test(why) ? 'not installed' : why };
  }
  const p = pick(module);
  return p ? { path: p } : { missing: 'package gives no binary path for this platform' };
}

/** Runs `<bin> -version`; resolves to its first line, or to an error description. */
function checkBinary(bin: string): Promise<{ version: string } | { error: string }> {
  return new Promise((resolve) => {
    let out = '';
    let child: ChildProcess;
    try {
      child = spawn(bin, ['-hide_banner', '-version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      resolve({ error: e instanceof Error ? e.message : String(e) });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : e.message });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0 && /ffmpeg version/i.test(out)) resolve({ version: out.split('\n')[0]!.trim() });
      else resolve({ error: sig ? `killed by ${sig}` : `"-version" exited with code ${code}` });
    });
  });
}

/**
 * The first working candidate, in order. Rejects with a message listing every candidate tried and why it
 * was not used.
 */
export async function findFfmpeg(list: Candidate[], log: LogFn = () => {}, warn: LogFn = log): Promise<FfmpegBinary> {
  const tried: string[] = [];
  for (const c of list) {
    const where = c.locate();
    if ('missing' in where) {
      tried.push(`${c.source}: ${where.missing}`);
      continue;
    }
    const check = await checkBinary(where.path);
    if ('error' in check) {
      tried.push(`${c.source} (${where.path}): ${check.error}`);
      if (c.source === 'FFMPEG_PATH') warn(`FFMPEG_PATH=${where.path} does not work (${check.error}); trying the others`);
      continue;
    }
    const binary: FfmpegBinary = { path: where.path, source: c.source, version: check.version };
    log(`ffmpeg: ${binary.path} (from ${binary.source}; ${binary.version})`);
    return binary;
  }
  throw new Error(
    `no working ffmpeg found; tried:\n  - ${tried.join('\n  - ')}\n` +
      'install one (e.g. `npm install @ffmpeg-installer/ffmpeg`, or apt-get install ffmpeg) or set FFMPEG_PATH',
  );
}

let resolved: Promise<FfmpegBinary> | undefined;

/**
 * The ffmpeg binary to use: resolved once per process from FFMPEG_PATH, ffmpeg-static,
 * @ffmpeg-installer/ffmpeg and PATH, in that order; the choice is logged through the first caller's logger.
 */
export function resolveFfmpeg(log: LogFn = () => {}, warn: LogFn = log): Promise<FfmpegBinary> {
  resolved ??= findFfmpeg(candidates(), log, warn);
  // A failed resolution is not kept: the user may fix the environment and retry in the same process.
  resolved.catch(() => (resolved = undefined));
  return resolved;
}

/** Forget the resolved binary (tests that change FFMPEG_PATH). */
export function resetFfmpegResolution(): void {
  resolved = undefined;
}

/** Children started by this module and still running (for tests and diagnostics). */
const live = new Set<ChildProcess>();
export function liveFfmpegProcesses(): number[] {
  return [...live].map((c) => c.pid!).filter((p) => p !== undefined);
}

/** Keeps the last `limit` characters of stderr: ffmpeg can be chatty on long inputs. */
class StderrTail {
  private text = '';
  constructor(private readonly limit = 32_000) {}
  push(chunk: Buffer): void {
    this.text += chunk.toString('utf8');
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.slice(-this.limit);
  }
}

const RELEVANT =
  /error|invalid|no such file|not found|unknown|failed|unsupported|could not|cannot|permission denied|moov atom|end of file|corrupt|truncat|does not contain|unable|no space/i;

/** The stderr lines that explain a failure, without buffer addresses and progress noise. */
export function relevantStderr(stderr: string, max = 6): string[] {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.replace(/ @ 0x[0-9a-f]+\]/gi, ']').trim())
    .filter((l) => l && !/^(frame|size)=/.test(l));
  const hits = lines.filter((l) => RELEVANT.test(l));
  const chosen = hits.length ? hits : lines;
  return [...new Set(chosen)].slice(-max);
}

export function ffmpegFailure(file: string, what: string, stderr: string, code: number | null): InputError {
  const lines = relevantStderr(stderr);
  const detail = lines.length ? `:\n    ${lines.join('\n    ')}` : ` (ffmpeg exited with code ${code} and said nothing)`;
  return new InputError(`ffmpeg could not ${what} the file${detail}`, { file });
}

export interface FfmpegCall {
  /** The media file the call is about (named in errors). */
  file: string;
  /** What the call does, for errors: "read the audio of", "probe", ... */
  what: string;
  signal?: AbortSignal;
  log?: LogFn;
}

function startChild(bin: FfmpegBinary, args: string[]): ChildProcess {
  const child = spawn(bin.path, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.on('close', () => live.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Runs ffmpeg to completion and returns stdout, stderr and the exit code. Does not throw on a non-zero
 * exit (probing with `-i` alone always "fails"); throws `CancelledError` if the signal aborts.
 */
export async function runFfmpeg(
  args: string[],
  call: FfmpegCall,
): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  const bin = await resolveFfmpeg(call.log);
  if (call.signal?.aborted) throw new CancelledError();
  const child = startChild(bin, args);
  const out: Buffer[] = [];
  const err = new StderrTail(1_000_000);
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const kill = () => child.kill('SIGKILL');
  call.signal?.addEventListener('abort', kill, { once: true });
  try {
    const { code } = await exitOf(child);
    if (call.signal?.aborted) throw new CancelledError();
    return { stdout: Buffer.concat(out), stderr: err.toString(), code };
  } finally {
    call.signal?.removeEventListener('abort', kill);
  }
}

export interface StreamOptions extends FfmpegCall {
  /** Yield pieces of exactly this many bytes (the last piece must be whole, else it is an error). */
  chunkBytes?: number;
}

/**
 * Runs ffmpeg and yields its stdout. Reading is pull-based: nothing is read from the pipe until the
 * consumer asks for the next piece. Stopping the iteration early (break/return/throw in the consumer)
 * kills ffmpeg; so does aborting `signal` (the iteration then throws `CancelledError`). A non-zero exit
 * throws an `InputError` naming `file` with ffmpeg's stderr.
 */
export async function* streamFfmpeg(args: string[], options: StreamOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const bin = await resolveFfmpeg(options.log);
  const { signal, chunkBytes } = options;
  if (signal?.aborted) throw new CancelledError();
  const child = startChild(bin, args);
  const exited = exitOf(child);
  exited.catch(() => undefined);
  const err = new StderrTail();
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });
  let finished = false;
  try {
    if (chunkBytes === undefined) {
      for await (const piece of child.stdout!) {
        yield piece as Buffer;
      }
    } else {
      // Gather exactly chunkBytes per piece; at most one piece plus one pipe read is held at a time.
      let piece = new Uint8Array(chunkBytes);
      let filled = 0;
      for await (const data of child.stdout!) {
        let buf = data as Buffer;
        while (buf.length > 0) {
          const n = Math.min(chunkBytes - filled, buf.length);
          piece.set(buf.subarray(0, n), filled);
          filled += n;
          buf = buf.subarray(n);
          if (filled === chunkBytes) {
            yield piece;
            piece = new Uint8Array(chunkBytes);
            filled = 0;
          }
        }
      }
      if (filled > 0 && !signal?.aborted) {
        const { code } = await exited;
        if (code === 0) {
          throw new InputError(
            `ffmpeg output ended inside a piece (${filled} of ${chunkBytes} bytes)`,
            { file: options.file },
          );
        }
      }
    }
    const { code, signal: killedBy } = await exited;
    if (signal?.aborted) throw new CancelledError();
    if (code !== 0) {
      throw ffmpegFailure(options.file, options.what, err.toString(), killedBy ? null : code);
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', kill);
    if (!finished) {
      kill();
      child.stdout!.destroy();
    }
  }
}
