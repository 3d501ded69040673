import type { NodeDefinition } from '../../runtime/contract.js';
import { windowFirstSegment } from './first-segment.js';
import { windowLookup } from './lookup.js';
import { windowSequence } from './sequence.js';
import { windowTextMarker } from './text-marker.js';

export const windowNodes: NodeDefinition[] = [windowSequence, windowLookup, windowTextMarker, windowFirstSegment] as NodeDefinition[];
