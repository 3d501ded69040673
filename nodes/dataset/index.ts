import type { NodeDefinition } from '../../runtime/contract.js';
import { bahDataset } from './bah.js';
import { emiDataset } from './emi.js';
import { manifestDataset } from './manifest.js';

export const datasetNodes: NodeDefinition[] = [emiDataset, bahDataset, manifestDataset] as NodeDefinition[];
