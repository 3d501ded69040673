import type { NodeDefinition } from '../../runtime/contract.js';
import { trainSupervised } from './supervised.js';

export const trainNodes: NodeDefinition[] = [trainSupervised] as NodeDefinition[];
