import type { NodeDefinition } from '../../runtime/contract.js';
import { binaryMetrics, regressionMetrics } from './nodes.js';

export const metricsNodes: NodeDefinition[] = [regressionMetrics, binaryMetrics] as NodeDefinition[];
