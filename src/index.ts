/**
 * affectflow's public API: check and run graph files, register node types, draw graphs, sweep variants.
 *
 *   import { runGraph } from 'affectflow';
 *   const run = await runGraph('graphs/bah-trimodal.json', { overrides: { epochs: 5 } });
 */
export { defineNode, Feed } from '../runtime/contract.js';
export type {
  FeedSpec,
  ItemContext,
  JsonSchema,
  Logger,
  MapNodeDefinition,
  NodeContext,
  NodeDefinition,
  PortSpec,
  ReduceNodeDefinition,
  ReduceResult,
  ReduceRow,
  Requirement,
  SourceItem,
  SourceNodeDefinition,
  SymbolicInput,
  SymbolicNodeDefinition,
} from '../runtime/contract.js';
export {
  AffectflowError,
  CancelledError,
  DeadlockError,
  GraphValidationError,
  InputError,
  NodeExecutionError,
  SkipSample,
  formatProblem,
} from '../runtime/errors.js';
export type { Problem } from '../runtime/errors.js';
export { NodeRegistry } from '../runtime/registry.js';
export { loadGraph } from '../runtime/loader.js';
export { planGraph } from '../runtime/plan.js';
export { executePlan } from '../runtime/execute.js';
export type { RunResult } from '../runtime/execute.js';
export { renderSvg, toDot, toMermaid } from '../runtime/viz.js';
export { graphSchema } from '../runtime/graph-schema.js';
export { createRegistry } from './registry.js';
export { prepareGraph, runGraph } from './run.js';
export type { GraphRun, PrepareOptions, Prepared, RunGraphOptions } from './run.js';
export { runSweep, expandGrid } from './sweep.js';
export { builtinNodes } from '../nodes/index.js';
export type * from '../nodes/values.js';
