/**
 * The node contract. A node type declares its ports (with types), a JSON Schema for its params, a one-line
 * description, and one of four implementation shapes:
 *
 *  - source:   produces items keyed by sample id, pulled lazily (so a flow limit can hold it back)
 *  - map:      one output item per input key; inputs are joined by key; bounded concurrency; may be cached
 *  - reduce:   sees every input item, then emits items and/or single values (training, metrics, writers)
 *  - symbolic: runs once while the graph is planned and builds a description (e.g. a layer of a model)
 *              that a consumer port marked `symbolic` receives together with the streams that feed it
 *
 * The runtime knows nothing about what flows: values are opaque to it, except that cacheable outputs must be
 * serialisable (plain data and typed arrays).
 */

/** A JSON Schema object (draft 2020-12 subset understood by ajv). */
export type JsonSchema = { [keyword: string]: unknown };

export interface PortSpec {
  /** Port type, see port-types.ts, e.g. `audio/pcm16k`, `tensor[T,${dim}]`, `any`. */
  type: string;
  description?: string;
  /** Input: may stay unconnected. */
  optional?: boolean;
  /** Input: takes an ordered list of sources (`"in": {"x": ["a.out", "b.out"]}`); the node gets an array. */
  many?: boolean;
  /** Input: one value for the whole run (e.g. a trained model), given to every item. */
  broadcast?: boolean;
  /**
   * Input: receives what symbolic nodes upstream built, plus the streams that feed them as `feeds`.
   * Implies broadcast.
   */
  symbolic?: boolean;
  /** Output: the value is a one-pass stream (e.g. video frames) and so can feed only one input. */
  onePass?: boolean;
  /** Output: one value for the whole run (key `*`) rather than one per sample. */
  singleton?: boolean;
}

export type ErrorPolicy = 'fail' | 'skip';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Reports progress of work inside a node (e.g. training epochs) on top of the per-item counts. */
export interface ProgressReporter {
  /** Start or update a named task: `done` of `total` units. */
  update(task: string, done: number, total?: number, detail?: string): void;
}

/** What every node implementation can use. Created once per node per run. */
export interface NodeContext<P = Record<string, unknown>> {
  readonly nodeId: string;
  readonly nodeType: string;
  /** Validated params with defaults applied and `${...}` resolved. */
  readonly params: P;
  /** The graph file the node was declared in (for resolving relative paths). */
  readonly graphFile: string;
  /** The run directory: where writers put outputs. */
  readonly runDir: string;
  readonly log: Logger;
  readonly progress: ProgressReporter;
  readonly signal: AbortSignal;
  /**
   * A value shared by all nodes of the run, created once (e.g. a loaded model used by two nodes).
   * The factory runs at most once per key; the promise is shared.
   */
  shared<T>(key: string, factory: () => Promise<T>): Promise<T>;
  /** Register cleanup to run when the run ends (success, failure or cancel). */
  onTeardown(fn: () => void | Promise<void>): void;
  /** Write a file in the run directory atomically; returns its absolute path. */
  writeOutput(relativePath: string, data: string | Uint8Array): Promise<string>;
  /** Add entries to the run's metrics JSON (merged under this node's id). */
  reportMetrics(metrics: Record<string, unknown>): void;
}

export interface ItemContext<P = Record<string, unknown>> extends NodeContext<P> {
  /** Sample key of the item being processed (`*` for single values). */
  readonly key: string;
  /** Give up on this sample: the run goes on without it and reports it at the end. */
  skip(reason: string): never;
}

/** Values of the streams that feed a symbolic input, by feed name (`nodeId.port`). */
export type FeedValues = Record<string, unknown>;

/** What a `symbolic` input port receives. */
export interface SymbolicInput<T = unknown> {
  /** What the upstream symbolic node built for the connected port. */
  value: T;
  /** The streams feeding the symbolic part of the graph, in a stable order. */
  feeds: FeedSpec[];
}

export interface FeedSpec {
  /** `nodeId.port` of the non-symbolic output that feeds symbolic nodes. */
  name: string;
  type: string;
}

/** Placeholder a symbolic node receives for an input fed by a stream. */
export class Feed {
  constructor(
    readonly name: string,
    readonly type: string,
  ) {}
}

interface Common<P> {
  type: string;
  /** Bump when behaviour changes, so cached outputs are recomputed. */
  version: string;
  description: string;
  /** Longer Markdown documentation. */
  docs?: string;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  /** JSON Schema for params (type object). Property keyword `x-path`: "file" | "dir" | "output". */
  params: JsonSchema;
  /** Default error policy for this node type; a graph may override per node with `"onError"`. */
  onError?: ErrorPolicy;
  /**
   * What the node needs on disk for these params (models, tokenizers, binaries), and whether it is there.
   * Listed by `run-graph models`; the node still reports missing things itself when it runs.
   */
  requires?(params: P, graphFile: string): Promise<Requirement[]>;
  /** Used only for typing `P`. */
  readonly _params?: P;
}

export interface Requirement {
  /** What is needed, e.g. "text encoder Alibaba-NLP/gte-large-en-v1.5 (ONNX)". */
  what: string;
  /** Where it is looked for. */
  location: string;
  present: boolean;
  /** Files missing from `location`. */
  missing?: string[];
  /** How to obtain it when it is missing. */
  hint?: string;
}

export interface SourceItem {
  key: string;
  outputs: Record<string, unknown>;
  /**
   * Identity of each output's content, for caching (e.g. a file's path, size and time for a path output);
   * an output without one is identified by its value. Per output, so changing a label does not invalidate
   * features extracted from the media.
   */
  fingerprints?: Record<string, string>;
}

export interface SourceNodeDefinition<P = Record<string, unknown>> extends Common<P> {
  kind: 'source';
  /** Items, pulled one at a time. */
  items(ctx: NodeContext<P>): AsyncIterable<SourceItem>;
  /** How many items `items` will produce, when known up front (for progress and ETA). */
  count?(ctx: NodeContext<P>): Promise<number | undefined>;
}

export interface MapNodeDefinition<P = Record<string, unknown>, S = unknown> extends Common<P> {
  kind: 'map';
  /** Outputs are stored on disk keyed by a hash of type, version, params and input fingerprints. */
  cacheable?: boolean;
  /** Default number of items processed at once. */
  concurrency?: number;
  /** Runs even when nothing downstream asks for its outputs (writers). Sinks always run. */
  sideEffects?: boolean;
  /** Runs once per run before the first item (e.g. load a model). */
  setup?(ctx: NodeContext<P>): Promise<S>;
  run(inputs: Record<string, unknown>, ctx: ItemContext<P>, state: S): Promise<Record<string, unknown>>;
}

export interface ReduceRow {
  key: string;
  inputs: Record<string, unknown>;
}

export interface ReduceResult {
  /** Per-sample outputs. */
  items?: Iterable<{ key: string; outputs: Record<string, unknown> }>;
  /** Single values (ports declared `singleton`). */
  singletons?: Record<string, unknown>;
}

export interface ReduceNodeDefinition<P = Record<string, unknown>> extends Common<P> {
  kind: 'reduce';
  /**
   * Called once all keyed inputs have arrived. `rows` holds one entry per key (joined by key, skipped
   * samples left out); `broadcast` holds single-valued and symbolic inputs; `feeds` the values of symbolic feeds per key.
   */
  run(
    rows: ReduceRow[],
    broadcast: Record<string, unknown>,
    ctx: NodeContext<P>,
  ): Promise<ReduceResult>;
}

export interface SymbolicNodeDefinition<P = Record<string, unknown>> extends Common<P> {
  kind: 'symbolic';
  /**
   * Builds this node's description from its inputs' descriptions (or `Feed` placeholders where a stream
   * feeds it). Runs during planning, once per run.
   */
  build(inputs: Record<string, unknown>, ctx: { nodeId: string; params: P }): Record<string, unknown>;
}

export type NodeDefinition<P = unknown, S = unknown> =
  | SourceNodeDefinition<P>
  | MapNodeDefinition<P, S>
  | ReduceNodeDefinition<P>
  | SymbolicNodeDefinition<P>;

/** Identity helper that gives `params` its type inside the implementation. */
export function defineNode<P, S = unknown>(def: MapNodeDefinition<P, S>): MapNodeDefinition<P, S>;
export function defineNode<P>(def: SourceNodeDefinition<P>): SourceNodeDefinition<P>;
export function defineNode<P>(def: ReduceNodeDefinition<P>): ReduceNodeDefinition<P>;
export function defineNode<P>(def: SymbolicNodeDefinition<P>): SymbolicNodeDefinition<P>;
export function defineNode(def: NodeDefinition): NodeDefinition {
  return def;
}

/** A plugin module exports node definitions, as `nodes` (array) or as its default export (array). */
export interface PluginModule {
  nodes?: NodeDefinition[];
  default?: NodeDefinition[] | { nodes: NodeDefinition[] };
}
