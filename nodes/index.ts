/** Every built-in node family. Each family folder exports its node definitions. */
import type { NodeDefinition } from '../runtime/contract.js';

export const builtinNodes: NodeDefinition[] = [];
