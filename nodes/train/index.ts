import type { NodeDefinition } from '../../runtime/contract.js';
import { predictCheckpoint } from './predict.js';
import { trainSupervised } from './supervised.js';

export const trainNodes: NodeDefinition[] = [trainSupervised, predictCheckpoint] as NodeDefinition[];
