/**
 * Readers for the transcript files users already have:
 *  - YAML or JSON chunks, as the paper's code stores Whisper output: `{chunks: [{text, timestamp: [start, end]}]}`
 *    (also `{start, end}` per chunk, and Whisper/whisperX `{segments: [{text, start, end, words?}]}`);
 *  - a word list with times: JSON `[{word, start, end}]` (or `{words: [...]}`), or CSV `word,start,end`;
 *  - plain text: one chunk spanning [0, duration], or with unknown (NaN) times when no duration is given.
 * Errors name the file and the line and field at fault.
 */
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { InputError } from '../../runtime/errors.js';
import type { TranscriptChunk, TranscriptWord } from '../values.js';

export type TranscriptFormat = 'auto' | 'chunks' | 'words' | 'text';

export interface ParsedTranscript {
  chunks: TranscriptChunk[];
  /** Word times given by the file (else the caller interpolates). */
  words?: TranscriptWord[];
  warnings: string[];
}

export interface ParseOptions {
  format: TranscriptFormat;
  /** Seconds; the span of a plain-text transcript and the end of a last chunk without one. */
  duration?: number;
}

type Key = string | number;

/** A parsed YAML/JSON document plus "file:line (field)" for any path in it. */
class Located {
  private readonly lines = new LineCounter();
  readonly doc: Document.Parsed;

  constructor(
    readonly file: string,
    content: string,
  ) {
    this.doc = parseDocument(content, { lineCounter: this.lines, prettyErrors: false });
    const err = this.doc.errors[0];
    if (err) {
      const pos = this.lines.linePos(err.pos[0]);
      throw new InputError(`${file}:${pos.line}:${pos.col}: cannot parse: ${err.message.split('\n')[0]}`);
    }
  }

  where(keys: Key[]): string {
    const field = keys.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
    let node: unknown = this.doc.getIn(keys, true);
    // A missing field: point at the nearest parent that exists.
    for (let n = keys.length - 1; !hasRange(node) && n >= 0; n--) node = n === 0 ? this.doc.contents : this.doc.getIn(keys.slice(0, n), true);
    const line = hasRange(node) ? `:${this.lines.linePos(node.range[0]).line}` : '';
    return `${this.file}${line}${field ? ` (${field})` : ''}`;
  }
}

function hasRange(n: unknown): n is { range: [number, number, number] } {
  return typeof n === 'object' && n !== null && Array.isArray((n as { range?: unknown }).range);
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function time(src: Located, keys: Key[], v: Json, what: string): number {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InputError(`${src.where(keys)}: ${what} is ${JSON.stringify(v) ?? 'missing'}, expected a time in seconds (a number ≥ 0)`);
  }
  return v;
}

function text(src: Located, keys: Key[], v: Json): string {
  if (typeof v !== 'string') throw new InputError(`${src.where(keys)}: text is ${JSON.stringify(v) ?? 'missing'}, expected a string`);
  return v;
}

function checkOrder(src: Located, keys: Key[], start: number, end: number): void {
  if (end < start) throw new InputError(`${src.where(keys)}: ends (${end}) before it starts (${start})`);
}

/** Chunks of `{chunks: [...]}` or `{segments: [...]}`; an end of null is filled from the next start. */
function readChunks(src: Located, listKey: 'chunks' | 'segments', list: Json[], o: ParseOptions): ParsedTranscript {
  const warnings: string[] = [];
  const raw = list.map((item, i) => {
    const keys: Key[] = [listKey, i];
    if (!isObject(item)) throw new InputError(`${src.where(keys)}: expected {text, timestamp: [start, end]}, got ${JSON.stringify(item)}`);
    const t = text(src, [...keys, 'text'], item['text']);
    let start: Json = item['start'];
    let end: Json = item['end'];
    if ('timestamp' in item) {
      const ts = item['timestamp'];
      if (!Array.isArray(ts) || ts.length !== 2) {
        throw new InputError(`${src.where([...keys, 'timestamp'])}: expected [start, end], got ${JSON.stringify(ts)}`);
      }
      [start, end] = ts as [Json, Json];
      keys.push('timestamp');
    }
    const s = time(src, keys, start, 'start');
    const e = end === null || end === undefined ? undefined : time(src, keys, end, 'end');
    if (e !== undefined) checkOrder(src, keys, s, e);
    const words = Array.isArray(item['words']) ? readWords(src, [...keys.slice(0, 2), 'words'], item['words'] as Json[]) : undefined;
    return { text: t.trim(), start: s, end: e, words, where: src.where(keys) };
  });
  const chunks = raw.map((c, i) => {
    let end = c.end;
    if (end === undefined) {
      end = raw[i + 1]?.start ?? o.duration ?? c.start;
      warnings.push(`${c.where}: no end time; using ${end} s (${raw[i + 1] ? 'next start' : o.duration !== undefined ? 'duration' : 'its start'})`);
    }
    return { text: c.text, start: c.start, end: Math.max(end, c.start) };
  });
  const hasWords = raw.length > 0 && raw.every((c) => c.words !== undefined);
  return { chunks, ...(hasWords ? { words: raw.flatMap((c) => c.words!) } : {}), warnings };
}

function readWords(src: Located, at: Key[], list: Json[]): TranscriptWord[] {
  return list.map((item, i) => {
    const keys = [...at, i];
    if (!isObject(item)) throw new InputError(`${src.where(keys)}: expected {word, start, end}, got ${JSON.stringify(item)}`);
    const word = text(src, [...keys, 'word' in item ? 'word' : 'text'], item['word'] ?? item['text']).trim();
    const start = time(src, [...keys, 'start'], item['start'], 'start');
    const end = time(src, [...keys, 'end'], item['end'], 'end');
    checkOrder(src, keys, start, end);
    return { word, start, end };
  });
}

function readStructured(file: string, content: string, o: ParseOptions): ParsedTranscript {
  const src = new Located(file, content);
  const value = src.doc.toJS() as Json;
  const root = src.doc.contents;
  if (Array.isArray(value) && isSeq(root)) return { chunks: [], words: readWords(src, [], value), warnings: [] };
  if (isObject(value) && isMap(root)) {
    for (const key of ['chunks', 'segments'] as const) {
      const list = value[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new InputError(`${src.where([key])}: expected a list of chunks`);
      return readChunks(src, key, list, o);
    }
    for (const key of ['words', 'word_segments']) {
      const list = value[key];
      if (Array.isArray(list)) return { chunks: [], words: readWords(src, [key], list), warnings: [] };
    }
    if (typeof value['text'] === 'string') return readText(value['text'], o);
  }
  throw new InputError(`${src.where([])}: expected {chunks: [{text, timestamp: [start, end]}]}, {segments: [...]}, or a list of {word, start, end}`);
}

/** CSV `word,start,end` (a header line is allowed); a word may itself contain commas. */
function readCsvWords(file: string, content: string): ParsedTranscript {
  const words: TranscriptWord[] = [];
  content.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const parts = line.split(',');
    const where = `${file}:${i + 1}`;
    if (parts.length < 3) throw new InputError(`${where}: expected word,start,end, got ${JSON.stringify(line)}`);
    const end = parts.pop()!.trim();
    const start = parts.pop()!.trim();
    const word = parts.join(',').trim().replace(/^"(.*)"$/, '$1');
    if (i === 0 && !Number.isFinite(Number(start)) && /start/i.test(start)) return; // header
    const s = Number(start);
    const e = Number(end);
    if (start === '' || end === '' || !Number.isFinite(s) || !Number.isFinite(e) || s < 0 || e < s) {
      throw new InputError(`${where}: times "${start}", "${end}" are not a start ≤ end in seconds`);
    }
    words.push({ word, start: s, end: e });
  });
  return { chunks: [], words, warnings: [] };
}

function readText(content: string, o: ParseOptions): ParsedTranscript {
  const t = content.replace(/\s+/g, ' ').trim();
  if (!t) return { chunks: [], warnings: [] };
  return { chunks: [{ text: t, start: 0, end: o.duration ?? Number.NaN }], warnings: [] };
}

export function formatOf(file: string, format: TranscriptFormat): 'structured' | 'csv' | 'text' {
  const ext = path.extname(file).toLowerCase();
  if (format === 'text') return 'text';
  if (format === 'words' && ext === '.csv') return 'csv';
  if (format !== 'auto') return 'structured';
  if (ext === '.csv') return 'csv';
  if (['.yaml', '.yml', '.json'].includes(ext)) return 'structured';
  return 'text';
}

export function parseTranscript(file: string, content: string, o: ParseOptions): ParsedTranscript {
  const body = content.replace(/^\uFEFF/, '');
  const kind = formatOf(file, o.format);
  const parsed = kind === 'csv' ? readCsvWords(file, body) : kind === 'text' ? readText(body, o) : readStructured(file, body, o);
  if (o.format === 'words' && !parsed.words) throw new InputError(`${file}: format "words" but the file holds chunks without word times`);
  if (o.format === 'chunks' && parsed.chunks.length === 0 && parsed.words) throw new InputError(`${file}: format "chunks" but the file is a word list`);
  return parsed;
}
