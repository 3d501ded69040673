import type { NodeDefinition } from '../../runtime/contract.js';
import { fusionLayer, lstmLayer, mtlLayer } from './layers.js';

export const layerNodes: NodeDefinition[] = [lstmLayer, fusionLayer, mtlLayer] as NodeDefinition[];
