/**
 * Turns a loaded graph into an executable plan, checking everything that can be checked before a run:
 * node types, params (JSON Schema, defaults applied), files named by params, ports, port types, cycles,
 * one-pass streams that fan out, and the symbolic parts (built here, so their errors come early too).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Feed } from './contract.js';
import type { ErrorPolicy, FeedSpec, JsonSchema, NodeDefinition, PortSpec, SymbolicInput } from './contract.js';
import type { Problem } from './errors.js';
import { errorMessage } from './errors.js';
import { isPlainObject } from './json-util.js';
import type { LoadedGraph, ResolvedNode } from './loader.js';
import { compatible, formatPortType, parsePortType, substituteTypeParams } from './port-types.js';
import type { PortType } from './port-types.js';
import type { NodeRegistry } from './registry.js';

export interface SourceRef {
  nodeId: string;
  port: string;
}

export interface PlannedInput {
  port: string;
  spec: PortSpec;
  type: PortType;
  sources: SourceRef[];
}

export interface Consumer {
  nodeId: string;
  port: string;
  /** Position in a `many` input's list. */
  index: number;
}

export interface PlannedNode {
  id: string;
  def: NodeDefinition;
  /** Validated params: defaults applied, paths resolved. */
  params: Record<string, unknown>;
  resolved: ResolvedNode;
  inputs: PlannedInput[];
  outputTypes: Record<string, PortType>;
  consumers: Record<string, Consumer[]>;
  concurrency: number;
  onError: ErrorPolicy;
  cache: boolean;
}

export interface Plan {
  graph: LoadedGraph;
  nodes: Map<string, PlannedNode>;
  /** Topological order. */
  order: string[];
  /** For every `symbolic` input port: `nodeId.port` → what was built and the feeds it needs. */
  symbolic: Map<string, SymbolicInput>;
  problems: Problem[];
}

const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addKeyword({ keyword: 'x-path', schemaType: 'string' });
ajv.addKeyword({ keyword: 'x-model', schemaType: 'string' });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function paramValidator(schema: JsonSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function describeAjvError(e: ErrorObject): { at: string; message: string } {
  const at = e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties':
      return { at, message: `unknown param "${String(e.params['additionalProperty'])}"` };
    case 'required':
      return { at, message: `required param "${String(e.params['missingProperty'])}" is missing` };
    case 'enum':
      return { at, message: `must be one of ${JSON.stringify(e.params['allowedValues'])}` };
    default:
      return { at, message: e.message ?? 'is invalid' };
  }
}

function cloneJson<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

/** Walk params alongside the schema; resolve and check values of properties marked `x-path`. */
function checkPaths(
  schema: JsonSchema,
  value: unknown,
  baseDir: string,
  at: string,
  report: (at: string, message: string) => void,
): unknown {
  const kind = schema['x-path'];
  if (typeof kind === 'string' && typeof value === 'string' && value !== '') {
    const abs = path.resolve(baseDir, value);
    if (kind !== 'output') {
      if (!existsSync(abs)) report(at, `${kind} not found: ${abs}`);
      else if (kind === 'file' && !statSync(abs).isFile()) report(at, `expected a file but ${abs} is a directory`);
      else if (kind === 'dir' && !statSync(abs).isDirectory()) report(at, `expected a directory but ${abs} is a file`);
    }
    return abs;
  }
  const props = schema['properties'];
  if (isPlainObject(props) && isPlainObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const [k, sub] of Object.entries(props)) {
      if (k in out && isPlainObject(sub)) out[k] = checkPaths(sub, out[k], baseDir, `${at}/${k}`, report);
    }
    return out;
  }
  const items = schema['items'];
  if (isPlainObject(items) && Array.isArray(value)) {
    return value.map((v, i) => checkPaths(items, v, baseDir, `${at}/${i}`, report));
  }
  return value;
}

function splitRef(ref: string): SourceRef {
  const dot = ref.lastIndexOf('.');
  return { nodeId: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

function safeType(text: string, params: Record<string, unknown>): PortType {
  try {
    return parsePortType(substituteTypeParams(text, params));
  } catch {
    return { kind: 'any' };
  }
}

export function planGraph(graph: LoadedGraph, registry: NodeRegistry): Plan {
  const problems: Problem[] = [...graph.problems];
  const nodes = new Map<string, PlannedNode>();
  const at = (n: ResolvedNode, extra: Partial<Problem> = {}) => ({ file: n.file, nodeId: n.id, ...extra });

  const ids = new Set<string>();
  for (const n of graph.nodes) {
    if (ids.has(n.id)) continue; // duplicate ids are reported by the loader
    ids.add(n.id);
    const def = registry.get(n.type);
    if (!def) {
      const near = registry.nearest(n.type);
      problems.push({
        code: 'unknown-node-type',
        ...at(n, { pointer: n.pointer + '/type' }),
        message: `unknown node type "${n.type}"`,
        hint: near.length
          ? `did you mean ${near.map((x) => `"${x}"`).join(', ')}? (run-graph nodes lists every type)`
          : 'run-graph nodes lists every type; a plugin must be named in "plugins" or with --plugin',
      });
      continue;
    }
    const params = cloneJson(n.params);
    const validate = paramValidator(def.params);
    if (!validate(params)) {
      for (const e of validate.errors ?? []) {
        const d = describeAjvError(e);
        problems.push({
          code: 'invalid-params',
          ...at(n, { pointer: n.pointer + '/params' + d.at, param: d.at.split('/')[1] ?? '' }),
          message: `${d.at ? `params${d.at} ` : 'params: '}${d.message}`,
          hint: `see "run-graph nodes ${def.type}" for the params of ${def.type}`,
        });
      }
    }
    const withPaths = checkPaths(def.params, params, path.dirname(n.file), '', (where, message) =>
      problems.push({
        code: 'missing-file',
        ...at(n, { pointer: n.pointer + '/params' + where, param: where.split('/')[1] ?? '' }),
        message,
      }),
    ) as Record<string, unknown>;
    const outputTypes: Record<string, PortType> = {};
    for (const [port, spec] of Object.entries(def.outputs)) outputTypes[port] = safeType(spec.type, withPaths);
    nodes.set(n.id, {
      id: n.id,
      def,
      params: withPaths,
      resolved: n,
      inputs: [],
      outputTypes,
      consumers: Object.fromEntries(Object.keys(def.outputs).map((p) => [p, []])),
      concurrency: n.concurrency ?? (def.kind === 'map' ? (def.concurrency ?? 1) : 1),
      onError: n.onError ?? def.onError ?? 'fail',
      cache: def.kind === 'map' && def.cacheable === true && n.cache !== false,
    });
  }

  // Wiring: every port named exists, every source exists, types agree, required ports are connected.
  for (const node of nodes.values()) {
    const n = node.resolved;
    for (const [port, refs] of Object.entries(n.in)) {
      const spec = node.def.inputs[port];
      if (!spec) {
        problems.push({
          code: 'unknown-port',
          ...at(n, { port, pointer: n.pointer + '/in/' + port }),
          message: `${node.def.type} has no input port "${port}"`,
          hint: `its inputs: ${Object.keys(node.def.inputs).join(', ') || '(none)'}`,
        });
        continue;
      }
      if (refs.length > 1 && !spec.many) {
        problems.push({
          code: 'schema',
          ...at(n, { port, pointer: n.pointer + '/in/' + port }),
          message: `input "${port}" takes one source but ${refs.length} are wired`,
        });
      }
      const inType = safeType(spec.type, node.params);
      const sources: SourceRef[] = [];
      refs.forEach((ref, i) => {
        const src = splitRef(ref);
        const producer = nodes.get(src.nodeId);
        const where = { port, pointer: n.pointer + '/in/' + port + (n.listInputs.has(port) ? '/' + i : '') };
        if (!producer) {
          const exists = graph.nodes.some((x) => x.id === src.nodeId) || graph.clusters.some((c) => c.id === src.nodeId);
          if (!exists) {
            problems.push({
              code: 'unknown-node',
              ...at(n, where),
              message: `input "${port}" reads from "${ref}" but there is no node "${src.nodeId}"`,
              hint: `nodes: ${graph.nodes.map((x) => x.id).join(', ')}`,
            });
          } else if (graph.clusters.some((c) => c.id === src.nodeId)) {
            problems.push({
              code: 'unknown-port',
              ...at(n, where),
              message: `input "${port}" reads "${ref}" but the included graph "${src.nodeId}" exports no output "${src.port}"`,
            });
          }
          return;
        }
        const outSpec = producer.def.outputs[src.port];
        if (!outSpec) {
          problems.push({
            code: 'unknown-port',
            ...at(n, where),
            message: `input "${port}" reads "${ref}" but ${producer.def.type} has no output "${src.port}"`,
            hint: `outputs of "${src.nodeId}": ${Object.keys(producer.def.outputs).join(', ') || '(none)'}`,
          });
          return;
        }
        const outType = producer.outputTypes[src.port]!;
        const c = compatible(outType, inType);
        if (!c.ok) {
          problems.push({
            code: 'type-mismatch',
            ...at(n, where),
            message:
              `input "${port}" expects ${formatPortType(inType)} but "${ref}" produces ${formatPortType(outType)}` +
              ` (${c.reason})`,
          });
        }
        const producerSymbolic = producer.def.kind === 'symbolic';
        const consumerSymbolic = node.def.kind === 'symbolic' || spec.symbolic === true;
        if (producerSymbolic && !consumerSymbolic) {
          problems.push({
            code: 'type-mismatch',
            ...at(n, where),
            message: `"${ref}" is a model part (${producer.def.type}) and can feed only model parts or a port marked symbolic`,
            hint: 'wire it into a training or prediction node\'s model input instead',
          });
        }
        if (spec.symbolic && !producerSymbolic) {
          problems.push({
            code: 'type-mismatch',
            ...at(n, where),
            message: `input "${port}" expects a model part (a symbolic node such as a layer) but "${ref}" is ${producer.def.type}`,
          });
        }
        producer.consumers[src.port]!.push({ nodeId: node.id, port, index: i });
        sources.push(src);
      });
      node.inputs.push({ port, spec, type: inType, sources });
    }
    for (const [port, spec] of Object.entries(node.def.inputs)) {
      if (!spec.optional && !(port in n.in)) {
        problems.push({
          code: 'unconnected-port',
          ...at(n, { port, pointer: n.pointer + '/in' }),
          message: `required input "${port}" (${spec.type}) is not connected`,
          hint: `wire it: "in": {"${port}": "someNode.output"}`,
        });
      }
    }
  }

  // One-pass streams may feed a single input.
  for (const node of nodes.values()) {
    for (const [port, consumers] of Object.entries(node.consumers)) {
      if (node.def.outputs[port]?.onePass && consumers.length > 1) {
        problems.push({
          code: 'fan-out',
          file: node.resolved.file,
          nodeId: node.id,
          port,
          message:
            `output "${port}" is a one-pass stream but feeds ${consumers.length} inputs ` +
            `(${consumers.map((c) => `${c.nodeId}.${c.port}`).join(', ')})`,
          hint: 'give each consumer its own producer node (e.g. a second demux), or put a collecting node in between',
        });
      }
    }
  }

  const order = topologicalOrder(nodes, problems);
  const symbolic = problems.some((p) => p.code === 'cycle') ? new Map() : buildSymbolic(nodes, order, problems);
  return { graph, nodes, order, symbolic, problems };
}

function topologicalOrder(nodes: Map<string, PlannedNode>, problems: Problem[]): string[] {
  const indegree = new Map<string, number>();
  for (const n of nodes.values()) indegree.set(n.id, 0);
  for (const n of nodes.values()) {
    for (const input of n.inputs) for (const s of input.sources) if (nodes.has(s.nodeId)) indegree.set(n.id, indegree.get(n.id)! + 1);
  }
  const ready = [...nodes.keys()].filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const consumers of Object.values(nodes.get(id)!.consumers)) {
      for (const c of consumers) {
        const d = indegree.get(c.nodeId)! - 1;
        indegree.set(c.nodeId, d);
        if (d === 0) ready.push(c.nodeId);
      }
    }
  }
  if (order.length < nodes.size) {
    const cycle = findCycle(nodes, new Set(order));
    const first = nodes.get(cycle[0]!)!;
    problems.push({
      code: 'cycle',
      file: first.resolved.file,
      nodeId: first.id,
      message: `the graph has a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
      hint: 'data must flow one way; remove one of these edges',
    });
  }
  return order;
}

function findCycle(nodes: Map<string, PlannedNode>, done: Set<string>): string[] {
  const state = new Map<string, 'visiting' | 'visited'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const consumers of Object.values(nodes.get(id)!.consumers)) {
      for (const c of consumers) {
        if (done.has(c.nodeId)) continue;
        if (state.get(c.nodeId) === 'visiting') return stack.slice(stack.indexOf(c.nodeId));
        if (!state.has(c.nodeId)) {
          const found = visit(c.nodeId);
          if (found) return found;
        }
      }
    }
    stack.pop();
    state.set(id, 'visited');
    return undefined;
  };
  for (const id of nodes.keys()) {
    if (done.has(id) || state.has(id)) continue;
    const found = visit(id);
    if (found) return found;
  }
  return [...nodes.keys()].filter((id) => !done.has(id));
}

/**
 * Run `build` of every symbolic node in order. Inputs fed by ordinary streams become `Feed` placeholders;
 * every `symbolic` port of an ordinary node receives what was built plus the list of feeds it depends on.
 */
function buildSymbolic(nodes: Map<string, PlannedNode>, order: string[], problems: Problem[]): Map<string, SymbolicInput> {
  const built = new Map<string, Record<string, unknown>>();
  const feedsOf = new Map<string, FeedSpec[]>();
  const failed = new Set<string>();
  for (const id of order) {
    const node = nodes.get(id)!;
    if (node.def.kind !== 'symbolic') continue;
    const inputs: Record<string, unknown> = {};
    const feeds: FeedSpec[] = [];
    let ok = true;
    for (const input of node.inputs) {
      const values = input.sources.map((s) => {
        const producer = nodes.get(s.nodeId)!;
        if (producer.def.kind === 'symbolic') {
          if (failed.has(producer.id)) ok = false;
          for (const f of feedsOf.get(producer.id) ?? []) if (!feeds.some((x) => x.name === f.name)) feeds.push(f);
          return built.get(producer.id)?.[s.port];
        }
        const name = `${s.nodeId}.${s.port}`;
        const type = formatPortType(producer.outputTypes[s.port]!);
        if (!feeds.some((x) => x.name === name)) feeds.push({ name, type });
        return new Feed(name, type);
      });
      inputs[input.port] = input.spec.many ? values : values[0];
    }
    if (!ok) {
      failed.add(id);
      continue;
    }
    try {
      built.set(id, node.def.build(inputs, { nodeId: id, params: node.params }));
      feedsOf.set(id, feeds);
    } catch (e) {
      failed.add(id);
      problems.push({ code: 'invalid-params', file: node.resolved.file, nodeId: id, message: errorMessage(e) });
    }
  }
  const result = new Map<string, SymbolicInput>();
  for (const node of nodes.values()) {
    if (node.def.kind === 'symbolic') continue;
    for (const input of node.inputs) {
      if (!input.spec.symbolic) continue;
      const src = input.sources[0];
      if (!src || !built.has(src.nodeId)) continue;
      result.set(`${node.id}.${input.port}`, {
        value: built.get(src.nodeId)![src.port],
        feeds: feedsOf.get(src.nodeId) ?? [],
      });
    }
  }
  return result;
}

/**
 * Nodes that run: those with a path to a node that runs on its own (no outputs, side effects, or a reduce).
 * Others (an unused branch of an included part) never run; pictures grey them out.
 */
export function liveNodes(plan: Plan): Set<string> {
  const live = new Set<string>();
  const visit = (id: string): void => {
    if (live.has(id)) return;
    live.add(id);
    for (const input of plan.nodes.get(id)?.inputs ?? []) for (const s of input.sources) visit(s.nodeId);
  };
  for (const node of plan.nodes.values()) {
    const def = node.def;
    const runsAlone = def.kind === 'reduce' || (def.kind === 'map' && (def.sideEffects === true || Object.keys(def.outputs).length === 0));
    if (runsAlone) visit(node.id);
  }
  return live;
}

