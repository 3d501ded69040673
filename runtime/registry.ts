/**
 * Node registry. Built-in node families register themselves through the public API; a user adds nodes by
 * naming a plugin module in the graph (`"plugins": ["./my-nodes.js"]`) or on the command line
 * (`--plugin ./my-nodes.js`). Nothing is loaded implicitly.
 */
import { pathToFileURL } from 'node:url';
import type { NodeDefinition } from './contract.js';
import { AffectflowError } from './errors.js';
import { nearestNames } from './loader.js';
import { parsePortType, PortTypeSyntaxError } from './port-types.js';

export interface RegisteredNode {
  definition: NodeDefinition;
  /** Module path for plugins; `builtin` otherwise. */
  origin: string;
}

export class RegistryError extends AffectflowError {}

export class NodeRegistry {
  private readonly nodes = new Map<string, RegisteredNode>();

  register(definition: NodeDefinition, origin = 'builtin'): void {
    const problem = checkDefinition(definition);
    if (problem) throw new RegistryError(`node type "${definition.type}" from ${origin}: ${problem}`);
    const existing = this.nodes.get(definition.type);
    if (existing && existing.definition !== definition) {
      throw new RegistryError(
        `node type "${definition.type}" from ${origin} is already registered (from ${existing.origin})`,
      );
    }
    this.nodes.set(definition.type, { definition, origin });
  }

  registerAll(definitions: Iterable<NodeDefinition>, origin = 'builtin'): void {
    for (const d of definitions) this.register(d, origin);
  }

  get(type: string): NodeDefinition | undefined {
    return this.nodes.get(type)?.definition;
  }

  origin(type: string): string | undefined {
    return this.nodes.get(type)?.origin;
  }

  has(type: string): boolean {
    return this.nodes.has(type);
  }

  types(): string[] {
    return [...this.nodes.keys()].sort();
  }

  list(): RegisteredNode[] {
    return this.types().map((t) => this.nodes.get(t)!);
  }

  /** Up to three registered names close to `type`, for "did you mean" hints. */
  nearest(type: string): string[] {
    const near = nearestNames(type, this.types());
    if (near.length) return near;
    // Same name in another family, e.g. "lstm" → "layer/lstm".
    const base = type.split('/').pop()!;
    return this.types().filter((t) => t.split('/').pop() === base);
  }

  /** Import a plugin module and register the nodes it exports. */
  async loadPlugin(modulePath: string): Promise<string[]> {
    let mod: unknown;
    try {
      mod = await import(pathToFileURL(modulePath).href);
    } catch (e) {
      throw new RegistryError(`cannot load plugin ${modulePath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const defs = pluginNodes(mod);
    if (!defs) {
      throw new RegistryError(
        `plugin ${modulePath} exports no nodes: export "nodes" (an array of node definitions) or a default array`,
      );
    }
    for (const d of defs) if (this.get(d.type) !== d) this.register(d, modulePath);
    return defs.map((d) => d.type);
  }
}

function pluginNodes(mod: unknown): NodeDefinition[] | undefined {
  if (!mod || typeof mod !== 'object') return undefined;
  const m = mod as { nodes?: unknown; default?: unknown };
  if (Array.isArray(m.nodes)) return m.nodes as NodeDefinition[];
  if (Array.isArray(m.default)) return m.default as NodeDefinition[];
  const d = m.default as { nodes?: unknown } | undefined;
  if (d && Array.isArray(d.nodes)) return d.nodes as NodeDefinition[];
  return undefined;
}

/** A definition's own consistency: names, port types, param schema shape, an implementation. */
function checkDefinition(d: NodeDefinition): string | undefined {
  if (!d || typeof d !== 'object') return 'definition is not an object';
  if (typeof d.type !== 'string' || !/^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/.test(d.type)) {
    return 'type must look like "family/name" (lower case, digits, dashes)';
  }
  if (!d.description) return 'a one-line description is required';
  if (!d.version) return 'a version is required';
  if (!d.params || d.params['type'] !== 'object') return 'params must be a JSON Schema of type "object"';
  for (const [dir, ports] of [
    ['input', d.inputs],
    ['output', d.outputs],
  ] as const) {
    if (!ports || typeof ports !== 'object') return `${dir}s must be an object of ports`;
    for (const [name, spec] of Object.entries(ports)) {
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return `${dir} port name "${name}" is not an identifier`;
      try {
        parsePortType(spec.type);
      } catch (e) {
        return `${dir} port "${name}": ${e instanceof PortTypeSyntaxError ? e.message : String(e)}`;
      }
    }
  }
  switch (d.kind) {
    case 'source':
      return typeof d.items === 'function' ? undefined : 'a source needs items()';
    case 'map':
      return typeof d.run === 'function' ? undefined : 'a map node needs run()';
    case 'reduce':
      return typeof d.run === 'function' ? undefined : 'a reduce node needs run()';
    case 'symbolic':
      return typeof d.build === 'function' ? undefined : 'a symbolic node needs build()';
    default:
      return `unknown kind "${(d as { kind?: unknown }).kind}" (source, map, reduce or symbolic)`;
  }
}
