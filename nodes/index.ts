/** Every built-in node family. Each family folder exports its node definitions. */
import type { NodeDefinition } from '../runtime/contract.js';
import { datasetNodes } from './dataset/index.js';
import { layerNodes } from './layer/index.js';
import { sampleNodes } from './sample/index.js';
import { windowNodes } from './window/index.js';

export const builtinNodes: NodeDefinition[] = [...datasetNodes, ...windowNodes, ...sampleNodes, ...layerNodes];
