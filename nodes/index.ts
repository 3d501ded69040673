/** Every built-in node family. Each family folder exports its node definitions. */
import type { NodeDefinition } from '../runtime/contract.js';
import { asrNodes } from './asr/index.js';
import { datasetNodes } from './dataset/index.js';
import { encoderNodes } from './encoders/index.js';
import { layerNodes } from './layer/index.js';
import { mediaNodes } from './media/index.js';
import { metricsNodes } from './metrics/index.js';
import { sampleNodes } from './sample/index.js';
import { trainNodes } from './train/index.js';
import { visionNodes } from './vision/index.js';
import { windowNodes } from './window/index.js';
import { writeNodes } from './write/index.js';

export const builtinNodes: NodeDefinition[] = [
  ...datasetNodes,
  ...mediaNodes,
  ...visionNodes,
  ...asrNodes,
  ...encoderNodes,
  ...windowNodes,
  ...sampleNodes,
  ...layerNodes,
  ...trainNodes,
  ...metricsNodes,
  ...writeNodes,
];
