/**
 * Loads a graph file: parses it, checks it against the graph schema, resolves graph params (defaults,
 * values passed by an including graph, `--set` overrides), substitutes `${param}` in node params, and
 * flattens included subgraphs into one list of nodes with ids like `features/vit`.
 *
 * The loader never throws for a problem in the graph: it collects every problem so `validate` can print
 * them all at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import type { ErrorPolicy } from './contract.js';
import type { Problem } from './errors.js';
import { graphSchema } from './graph-schema.js';
import { isPlainObject, JsonParseError, parseJson, pointer } from './json-util.js';

export type ParamType = 'number' | 'integer' | 'string' | 'boolean' | 'path' | 'model' | 'array' | 'object';

export interface ResolvedParam {
  value: unknown;
  type?: ParamType;
  description?: string;
  /** Where the value came from. */
  source: 'default' | 'include' | 'preset' | 'cli';
}

export interface ResolvedNode {
  /** Flattened id: `include/inner` for nodes of included graphs. */
  id: string;
  type: string;
  params: Record<string, unknown>;
  /** Input port → source refs `nodeId.port` (flattened ids). */
  in: Record<string, string[]>;
  /** Input ports written as a list in the file. */
  listInputs: Set<string>;
  concurrency?: number;
  onError?: ErrorPolicy;
  cache?: boolean;
  description?: string;
  /** The file that declares this node, and where in it. */
  file: string;
  pointer: string;
  /** Ids of the includes this node sits in, outermost first. */
  cluster: string[];
}

export interface ClusterInfo {
  id: string;
  file: string;
  name: string;
  parent?: string;
}

export interface LoadedGraph {
  file: string;
  name: string;
  description?: string;
  task?: string;
  params: Record<string, ResolvedParam>;
  nodes: ResolvedNode[];
  clusters: ClusterInfo[];
  /** Absolute paths of plugin modules named by the graph and its includes. */
  plugins: string[];
  problems: Problem[];
}

export interface LoadOptions {
  /** `--set name=value` overrides for the top-level graph's params. Relative paths resolve against cwd. */
  overrides?: Record<string, unknown>;
  /** `--preset name`: a named set of param values declared by the top-level graph, applied before overrides. */
  preset?: string;
  cwd?: string;
}

interface RawNode {
  id: string;
  type?: string;
  include?: string;
  description?: string;
  params?: Record<string, unknown>;
  in?: Record<string, string | string[]>;
  concurrency?: number;
  onError?: ErrorPolicy;
  cache?: boolean;
}

interface RawGraph {
  name: string;
  presets?: Record<string, Record<string, unknown>>;
  description?: string;
  task?: string;
  plugins?: string[];
  params?: Record<string, { default: unknown; type?: ParamType; description?: string }>;
  nodes: RawNode[];
  inputs?: Record<string, string | string[]>;
  outputs?: Record<string, string>;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateGraphSchema = ajv.compile(graphSchema);

/** Parse a `--set` value: JSON when it parses (numbers, booleans, arrays), else the raw string. */
export function parseOverrideValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Turn `["lr=1e-4", "data=/x"]` into an object; throws on entries without `=`. */
export function parseOverrides(entries: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i <= 0) throw new Error(`--set expects name=value, got "${e}"`);
    out[e.slice(0, i).trim()] = parseOverrideValue(e.slice(i + 1));
  }
  return out;
}

function ajvProblems(errors: ErrorObject[] | null | undefined, file: string): Problem[] {
  if (!errors) return [];
  // oneOf failures repeat the branch errors; keep the most specific messages.
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of errors) {
    if (e.keyword === 'oneOf' && e.instancePath.endsWith('/nodes/' + e.instancePath.split('/').pop())) continue;
    let message = `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}`;
    if (e.keyword === 'additionalProperties') {
      message = `${e.instancePath || '(top level)'} has unknown field "${String(e.params['additionalProperty'])}"`;
    } else if (e.keyword === 'enum') {
      message += `: ${JSON.stringify(e.params['allowedValues'])}`;
    }
    if (seen.has(message)) continue;
    seen.add(message);
    problems.push({ code: 'schema', file, pointer: e.instancePath || '/', message });
  }
  return problems;
}

function checkParamType(value: unknown, type: ParamType | undefined): string | undefined {
  if (!type) return undefined;
  const ok =
    (type === 'number' && typeof value === 'number') ||
    (type === 'integer' && Number.isInteger(value)) ||
    ((type === 'string' || type === 'path' || type === 'model') && typeof value === 'string') ||
    (type === 'boolean' && typeof value === 'boolean') ||
    (type === 'array' && Array.isArray(value)) ||
    (type === 'object' && isPlainObject(value));
  return ok ? undefined : `expected ${type}, got ${JSON.stringify(value)}`;
}

const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const INNER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replace `${name}` in a params tree. A string that is exactly `${name}` takes the param's value with its
 * type; inside a longer string the value is interpolated. `$${` stays a literal `${`.
 */
export function substituteParams(
  value: unknown,
  params: Record<string, unknown>,
  onUnresolved: (name: string, at: string) => void,
  at = '',
): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) {
      const name = whole[1]!;
      if (name in params) return params[name];
      onUnresolved(name, at);
      return value;
    }
    return value.replace(INNER, (m, name: string | undefined) => {
      if (name === undefined) return '${';
      if (name in params) {
        const v = params[name];
        return typeof v === 'string' ? v : JSON.stringify(v);
      }
      onUnresolved(name, at);
      return m;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteParams(v, params, onUnresolved, `${at}/${i}`));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteParams(v, params, onUnresolved, `${at}/${k}`);
    return out;
  }
  return value;
}

/**
 * A `path` is resolved against `baseDir`; a `model` is a local folder (resolved likewise) when it looks like a
 * path or exists there, else a model hub id kept as written.
 */
function resolveParamPath(type: ParamType | undefined, value: unknown, baseDir: string): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'path') return path.resolve(baseDir, value);
  if (type === 'model') {
    const local = /^(\.{1,2}[\\/]|[\\/]|~)/.test(value) || existsSync(path.resolve(baseDir, value));
    return local ? path.resolve(baseDir, value) : value;
  }
  return value;
}

function toList(v: string | string[]): string[] {
  return Array.isArray(v) ? v : [v];
}

function nearestNames(name: string, known: string[]): string[] {
  return known
    .map((k) => ({ k, d: editDistance(name, k) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.k);
}

/** Levenshtein distance; names are short. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export { nearestNames };

interface Inherited {
  value: unknown;
  from: string;
  used: boolean;
  /** Folder of the graph that passed the value: relative paths resolve against it. */
  baseDir: string;
}

interface Scope {
  file: string;
  prefix: string;
  cluster: string[];
  /** Values passed by the including graph, already resolved. */
  passed: Record<string, unknown>;
  passedFrom?: string;
  /**
   * Values passed by an including graph further up for params its direct include does not declare: they
   * set the param of that name in any graph below that declares it (e.g. a variant that includes a whole
   * experiment and changes the text window of its features part).
   */
  inherited: Map<string, Inherited>;
  stack: string[];
}

class GraphLoader {
  readonly problems: Problem[] = [];
  readonly nodes: ResolvedNode[] = [];
  readonly clusters: ClusterInfo[] = [];
  readonly plugins: string[] = [];
  /** `include.exportedOutput` → internal flattened ref. */
  readonly outputAliases = new Map<string, string>();
  /** Flattened internal input wiring from includes: `nodeId.port` target ← include's source refs. */
  top?: { name: string; description?: string; task?: string; params: Record<string, ResolvedParam> };

  constructor(private readonly options: LoadOptions) {}

  loadFile(file: string, scope: Scope): RawGraph | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      this.problems.push({
        code: scope.stack.length ? 'include' : 'parse',
        file: scope.passedFrom ?? file,
        message: `cannot read graph file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      });
      return undefined;
    }
    let raw: unknown;
    try {
      raw = parseJson(text);
    } catch (e) {
      this.problems.push({ code: 'parse', file, message: e instanceof JsonParseError ? e.message : String(e) });
      return undefined;
    }
    if (!validateGraphSchema(raw)) {
      this.problems.push(...ajvProblems(validateGraphSchema.errors, file));
      return undefined;
    }
    return raw as unknown as RawGraph;
  }

  /**
   * Values set from outside (preset, then `--set`), by param name. A name the top-level graph declares sets
   * that param; any other name sets the param of that name in every included graph that declares it, so
   * `--set lr=1e-5` reaches the training part without each variant file re-declaring `lr`.
   */
  private external: Map<string, { value: unknown; source: 'preset' | 'cli'; baseDir: string; used: boolean }> | undefined;

  private externalValues(graph: RawGraph, file: string): Map<string, { value: unknown; source: 'preset' | 'cli'; baseDir: string; used: boolean }> {
    const out = new Map<string, { value: unknown; source: 'preset' | 'cli'; baseDir: string; used: boolean }>();
    const preset = this.options.preset !== undefined ? graph.presets?.[this.options.preset] : undefined;
    for (const [name, value] of Object.entries(preset ?? {})) out.set(name, { value, source: 'preset', baseDir: path.dirname(file), used: false });
    const cwd = this.options.cwd ?? process.cwd();
    for (const [name, value] of Object.entries(this.options.overrides ?? {})) out.set(name, { value, source: 'cli', baseDir: cwd, used: false });
    return out;
  }

  resolveParams(graph: RawGraph, scope: Scope, isTop: boolean): Record<string, ResolvedParam> {
    const dir = path.dirname(scope.file);
    const declared = graph.params ?? {};
    if (isTop) this.external = this.externalValues(graph, scope.file);
    const out: Record<string, ResolvedParam> = {};
    for (const [name, decl] of Object.entries(declared)) {
      let value = decl.default;
      let source: ResolvedParam['source'] = 'default';
      value = resolveParamPath(decl.type, value, dir);
      // Priority, lowest first: default, this graph's own preset, what the including graph passes, and
      // what the top level sets from outside (its preset, then --set).
      const own = !isTop && this.options.preset !== undefined ? graph.presets?.[this.options.preset] : undefined;
      if (own && name in own) {
        value = resolveParamPath(decl.type, own[name], dir);
        source = 'preset';
      }
      if (name in scope.passed) {
        value = scope.passed[name];
        source = 'include';
      } else if (scope.inherited.has(name)) {
        const inherited = scope.inherited.get(name)!;
        inherited.used = true;
        value = resolveParamPath(decl.type, inherited.value, inherited.baseDir);
        source = 'include';
      }
      const ext = this.external?.get(name);
      // A name the top level declares is set there (and reaches includes only through what it passes).
      if (ext && (isTop || !(name in (this.topDeclared ?? {})))) {
        ext.used = true;
        value = ext.value;
        source = ext.source;
        // `--set n=123` on a string/path param keeps the text; relative paths resolve against cwd / the graph.
        if ((decl.type === 'string' || decl.type === 'path' || decl.type === 'model') && typeof value !== 'string') value = String(value);
        value = resolveParamPath(decl.type, value, ext.baseDir);
      }
      const p: ResolvedParam = { value, source };
      if (decl.type) p.type = decl.type;
      if (decl.description) p.description = decl.description;
      out[name] = p;
    }
    if (isTop) this.topDeclared = declared;
    for (const [name, p] of Object.entries(out)) {
      const wrong = checkParamType(p.value, p.type);
      if (wrong) {
        this.problems.push({
          code: 'invalid-params',
          file: scope.file,
          param: name,
          pointer: pointer('params', name),
          message: `graph param "${name}": ${wrong}`,
        });
      }
    }
    for (const name of Object.keys(declared)) this.declaredAnywhere.add(name);
    for (const name of Object.keys(graph.presets ?? {})) this.presetsAnywhere.add(name);
    if (!isTop && this.options.preset !== undefined) {
      for (const name of Object.keys(graph.presets?.[this.options.preset] ?? {})) {
        if (!(name in declared)) {
          this.problems.push({
            code: 'unresolved-param',
            file: scope.file,
            param: name,
            pointer: pointer('presets', this.options.preset, name),
            message: `preset "${this.options.preset}" sets "${name}", which this graph does not declare`,
          });
        }
      }
    }
    return out;
  }

  private topDeclared: RawGraph['params'] | undefined;
  readonly declaredAnywhere = new Set<string>();
  readonly presetsAnywhere = new Set<string>();

  /** External values that no graph took: a typo, or a param nobody declares. */
  reportUnusedExternal(file: string): void {
    if (this.options.preset !== undefined && !this.presetsAnywhere.has(this.options.preset)) {
      this.problems.push({
        code: 'unresolved-param',
        file,
        message: `--preset ${this.options.preset}: neither the graph nor the graphs it includes declare such a preset`,
        hint: `presets: ${[...this.presetsAnywhere].sort().join(', ') || '(none)'}`,
      });
    }
    for (const [name, ext] of this.external ?? []) {
      if (ext.used) continue;
      const near = nearestNames(name, [...this.declaredAnywhere]);
      const how = ext.source === 'cli' ? `--set ${name}` : `preset "${this.options.preset}" sets "${name}"`;
      this.problems.push({
        code: 'unresolved-param',
        file,
        param: name,
        ...(ext.source === 'preset' ? { pointer: pointer('presets', this.options.preset!, name) } : {}),
        message: `${how}: the graph (and the graphs it includes) declares no param "${name}"`,
        hint: near.length
          ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
          : `declared params: ${[...this.declaredAnywhere].sort().join(', ') || '(none)'}`,
      });
    }
  }

  load(file: string, scope: Scope): { inputs: Record<string, string[]>; outputs: Record<string, string> } | undefined {
    const graph = this.loadFile(file, scope);
    if (!graph) return undefined;
    const isTop = scope.stack.length === 0;
    const params = this.resolveParams(graph, scope, isTop);
    const values = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.value]));
    if (isTop) {
      this.top = { name: graph.name, params };
      if (graph.description !== undefined) this.top.description = graph.description;
      if (graph.task !== undefined) this.top.task = graph.task;
    }
    const dir = path.dirname(file);
    for (const plugin of graph.plugins ?? []) this.plugins.push(path.resolve(dir, plugin));

    const localIds = new Map<string, number>();
    graph.nodes.forEach((node, index) => {
      if (localIds.has(node.id)) {
        this.problems.push({
          code: 'duplicate-id',
          file,
          nodeId: scope.prefix + node.id,
          pointer: pointer('nodes', index, 'id'),
          message: `node id "${node.id}" is used twice (also at /nodes/${localIds.get(node.id)})`,
          hint: 'node ids must be unique within a graph file',
        });
      } else localIds.set(node.id, index);
    });

    const qualify = (ref: string): string => scope.prefix + ref;
    const unresolved = (index: number) => (name: string, at: string) =>
      this.problems.push({
        code: 'unresolved-param',
        file,
        nodeId: scope.prefix + graph.nodes[index]!.id,
        pointer: pointer('nodes', index, 'params') + at,
        message: `"\${${name}}" does not name a graph param`,
        hint: Object.keys(values).length
          ? `declared params: ${Object.keys(values).join(', ')}` +
            (nearestNames(name, Object.keys(values)).length
              ? `; did you mean "${nearestNames(name, Object.keys(values))[0]}"?`
              : '')
          : 'declare it under "params" at the top of the graph file',
      });

    graph.nodes.forEach((node, index) => {
      const id = scope.prefix + node.id;
      const wiring: Record<string, string[]> = {};
      const listInputs = new Set<string>();
      for (const [port, src] of Object.entries(node.in ?? {})) {
        wiring[port] = toList(src).map(qualify);
        if (Array.isArray(src)) listInputs.add(port);
      }
      const nodeParams = substituteParams(node.params ?? {}, values, unresolved(index)) as Record<string, unknown>;
      if (node.include !== undefined) {
        const subFile = path.resolve(dir, node.include);
        if (scope.stack.includes(subFile) || subFile === file) {
          this.problems.push({
            code: 'include',
            file,
            nodeId: id,
            pointer: pointer('nodes', index, 'include'),
            message: `including ${node.include} would include itself (${[...scope.stack, file].join(' → ')})`,
          });
          return;
        }
        // Relative literal paths passed to a subgraph are relative to the including file.
        const passed: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(nodeParams)) passed[k] = v;
        this.clusters.push({
          id,
          file: subFile,
          name: node.description ?? path.basename(subFile, '.json'),
          ...(scope.cluster.length ? { parent: scope.prefix.slice(0, -1) } : {}),
        });
        const resolvedPassed = this.resolvePassedPaths(subFile, passed, dir);
        const subDeclared = new Set(Object.keys(this.declaredParams(subFile)));
        const inherited = new Map(scope.inherited);
        const direct: Record<string, unknown> = {};
        const handedDown: Inherited[] = [];
        for (const [k, v] of Object.entries(resolvedPassed)) {
          if (subDeclared.has(k)) direct[k] = v;
          else {
            const entry = { value: v, from: k, used: false, baseDir: dir };
            inherited.set(k, entry);
            handedDown.push(entry);
          }
        }
        const exported = this.load(subFile, {
          file: subFile,
          prefix: id + '/',
          cluster: [...scope.cluster, id],
          passed: direct,
          passedFrom: file,
          inherited,
          stack: [...scope.stack, file],
        });
        for (const entry of handedDown) {
          if (!entry.used) {
            this.problems.push({
              code: 'unresolved-param',
              file,
              nodeId: id,
              param: entry.from,
              pointer: pointer('nodes', index, 'params', entry.from),
              message: `param "${entry.from}" is passed to ${node.include} but neither it nor the graphs it includes declare such a param`,
              hint: `declared by ${node.include}: ${[...subDeclared].join(', ') || '(none)'}`,
            });
          }
        }
        if (!exported) return;
        for (const [name, target] of Object.entries(exported.outputs)) this.outputAliases.set(`${id}.${name}`, target);
        for (const [name, targets] of Object.entries(exported.inputs)) {
          const src = wiring[name];
          if (!src) {
            this.problems.push({
              code: 'unconnected-port',
              file,
              nodeId: id,
              port: name,
              pointer: pointer('nodes', index, 'in'),
              message: `included graph ${node.include} needs input "${name}" but it is not wired`,
              hint: `add "in": {"${name}": "someNode.port"}`,
            });
            continue;
          }
          for (const target of targets) this.pendingIncludeInputs.push({ target, sources: src, file, index });
        }
        for (const name of Object.keys(wiring)) {
          if (!(name in exported.inputs)) {
            this.problems.push({
              code: 'unknown-port',
              file,
              nodeId: id,
              port: name,
              pointer: pointer('nodes', index, 'in', name),
              message: `included graph ${node.include} exports no input "${name}"`,
              hint: `its inputs: ${Object.keys(exported.inputs).join(', ') || '(none)'}`,
            });
          }
        }
        return;
      }
      const resolved: ResolvedNode = {
        id,
        type: node.type!,
        params: nodeParams,
        in: wiring,
        listInputs,
        file,
        pointer: pointer('nodes', index),
        cluster: scope.cluster,
      };
      if (node.concurrency !== undefined) resolved.concurrency = node.concurrency;
      if (node.onError !== undefined) resolved.onError = node.onError;
      if (node.cache !== undefined) resolved.cache = node.cache;
      if (node.description !== undefined) resolved.description = node.description;
      this.nodes.push(resolved);
    });

    const inputs: Record<string, string[]> = {};
    for (const [name, refs] of Object.entries(graph.inputs ?? {})) inputs[name] = toList(refs).map(qualify);
    const outputs: Record<string, string> = {};
    for (const [name, ref] of Object.entries(graph.outputs ?? {})) outputs[name] = qualify(ref);
    return { inputs, outputs };
  }

  readonly pendingIncludeInputs: Array<{ target: string; sources: string[]; file: string; index: number }> = [];

  private readonly declarations = new Map<string, NonNullable<RawGraph['params']>>();

  /** The params a graph file declares, read once per file (empty when unreadable; that is reported elsewhere). */
  private declaredParams(file: string): NonNullable<RawGraph['params']> {
    let decls = this.declarations.get(file);
    if (!decls) {
      try {
        decls = (JSON.parse(readFileSync(file, 'utf8')) as RawGraph).params ?? {};
      } catch {
        decls = {};
      }
      this.declarations.set(file, decls);
    }
    return decls;
  }

  /** Literal relative paths passed to a subgraph's path/model params resolve against the including graph. */
  private resolvePassedPaths(subFile: string, passed: Record<string, unknown>, fromDir: string): Record<string, unknown> {
    const decls = this.declaredParams(subFile);
    return Object.fromEntries(Object.entries(passed).map(([k, v]) => [k, resolveParamPath(decls[k]?.type, v, fromDir)]));
  }

  /** Resolve `include.output` aliases (possibly chained) and connect include inputs. */
  finish(): void {
    const resolveRef = (ref: string): string => {
      let r = ref;
      for (let i = 0; i < 32 && this.outputAliases.has(r); i++) r = this.outputAliases.get(r)!;
      return r;
    };
    const byId = new Map(this.nodes.map((n) => [n.id, n]));
    for (const { target, sources } of this.pendingIncludeInputs) {
      const dot = target.lastIndexOf('.');
      const node = byId.get(target.slice(0, dot));
      if (!node) continue; // reported by validation of the subgraph's own wiring
      const port = target.slice(dot + 1);
      node.in[port] = [...(node.in[port] ?? []), ...sources];
      if (sources.length > 1) node.listInputs.add(port);
    }
    for (const node of this.nodes) {
      for (const [port, refs] of Object.entries(node.in)) node.in[port] = refs.map(resolveRef);
    }
  }
}

/** Load a graph file and everything it includes. Problems are returned, not thrown. */
export function loadGraph(file: string, options: LoadOptions = {}): LoadedGraph {
  const abs = path.resolve(options.cwd ?? process.cwd(), file);
  const loader = new GraphLoader(options);
  loader.load(abs, { file: abs, prefix: '', cluster: [], passed: {}, inherited: new Map(), stack: [] });
  loader.finish();
  loader.reportUnusedExternal(abs);
  const top = loader.top;
  const result: LoadedGraph = {
    file: abs,
    name: top?.name ?? path.basename(abs, '.json'),
    params: top?.params ?? {},
    nodes: loader.nodes,
    clusters: loader.clusters,
    plugins: loader.plugins,
    problems: loader.problems,
  };
  if (top?.description !== undefined) result.description = top.description;
  if (top?.task !== undefined) result.task = top.task;
  return result;
}
