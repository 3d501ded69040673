/**
 * Typed errors. Every error the runtime raises says where (graph file, node, port, param, sample key)
 * and what was expected, so a message can be acted on without reading the source.
 */

/** Where in a graph a problem sits. All fields optional; the more the better. */
export interface Location {
  file?: string;
  nodeId?: string;
  port?: string;
  param?: string;
  /** JSON pointer into the graph file, e.g. `/nodes/3/params/lr`. */
  pointer?: string;
  /** Sample key the failure happened on. */
  key?: string;
}

export type ProblemCode =
  | 'schema'
  | 'parse'
  | 'duplicate-id'
  | 'unknown-node-type'
  | 'unknown-port'
  | 'unknown-node'
  | 'unconnected-port'
  | 'type-mismatch'
  | 'cycle'
  | 'unresolved-param'
  | 'missing-file'
  | 'invalid-params'
  | 'include'
  | 'fan-out'
  | 'plugin';

/** One thing wrong with a graph, found before anything runs. */
export interface Problem extends Location {
  code: ProblemCode;
  message: string;
  /** What to do about it, when there is something useful to say. */
  hint?: string;
}

export function formatLocation(loc: Location): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.file + (loc.pointer ? `#${loc.pointer}` : ''));
  if (loc.nodeId) parts.push(`node "${loc.nodeId}"`);
  if (loc.port) parts.push(`port "${loc.port}"`);
  if (loc.param) parts.push(`param "${loc.param}"`);
  if (loc.key) parts.push(`sample "${loc.key}"`);
  return parts.join(', ');
}

export function formatProblem(p: Problem): string {
  const where = formatLocation(p);
  const hint = p.hint ? `\n    hint: ${p.hint.split('\n').join('\n          ')}` : '';
  return `${where ? where + ': ' : ''}${p.message}${hint}`;
}

/** Base class: carries a location so callers can report or wrap it. */
export class AffectflowError extends Error {
  readonly location: Location;
  constructor(message: string, location: Location = {}, options?: { cause?: unknown }) {
    const where = formatLocation(location);
    super(where ? `${where}: ${message}` : message, options);
    this.name = new.target.name;
    this.location = location;
  }
}

/** The graph is invalid; holds every problem found, not just the first. */
export class GraphValidationError extends AffectflowError {
  readonly problems: Problem[];
  constructor(problems: Problem[], file?: string) {
    super(
      `graph is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => '  - ' + formatProblem(p)).join('\n'),
      file ? { file } : {},
    );
    this.problems = problems;
  }
}

/** A node failed while processing a sample. */
export class NodeExecutionError extends AffectflowError {
  constructor(nodeId: string, nodeType: string, key: string | undefined, cause: unknown) {
    const causeMessage = cause instanceof Error ? cause.message : String(cause);
    super(`${nodeType} failed: ${causeMessage}`, { nodeId, ...(key !== undefined ? { key } : {}) }, { cause });
  }
}

/** Bad input data (file, format, value) detected by a node; the node should name the file or field. */
export class InputError extends AffectflowError {}

/** Raised inside a node to say: skip this sample (when the node allows skipping) and report why. */
export class SkipSample extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SkipSample';
  }
}

/** The run was cancelled (Ctrl-C or an AbortSignal). */
export class CancelledError extends AffectflowError {
  constructor(reason = 'run cancelled') {
    super(reason);
  }
}

/** The run cannot progress: every source waits for capacity and nothing is computing. */
export class DeadlockError extends AffectflowError {}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
