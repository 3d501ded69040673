import type { NodeDefinition } from '../../runtime/contract.js';
import { writeBahSubmission } from './bah-submission.js';
import { writeEmiCsv } from './emi-csv.js';
import { writeJson } from './json.js';
import { writeScatter, writeTimeline } from './plots.js';

export const writeNodes: NodeDefinition[] = [writeEmiCsv, writeBahSubmission, writeJson, writeTimeline, writeScatter] as NodeDefinition[];
