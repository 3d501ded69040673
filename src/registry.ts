import { NodeRegistry } from '../runtime/registry.js';
import { builtinNodes } from '../nodes/index.js';

/** A registry holding every built-in node type. */
export function createRegistry(options: { builtins?: boolean } = {}): NodeRegistry {
  const registry = new NodeRegistry();
  if (options.builtins !== false) registry.registerAll(builtinNodes);
  return registry;
}
