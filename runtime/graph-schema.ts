/**
 * JSON Schema of a graph file. Published as docs/graph.schema.json (written by scripts/write-schemas.ts) so
 * editors validate and complete graph files that point to it with "$schema".
 */
import type { JsonSchema } from './contract.js';

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' };
const portRef = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_/-]*\\.[A-Za-z_][A-Za-z0-9_-]*$',
  description: 'Output to read from: "nodeId.port" (for an included graph: "includeId.exportedPort").',
};

const wiring = {
  type: 'object',
  description: 'Input wiring: input port ← "nodeId.port", or a list of them for ports that take many.',
  propertyNames: identifier,
  additionalProperties: { oneOf: [portRef, { type: 'array', items: portRef, minItems: 1 }] },
};

const paramDeclaration = {
  type: 'object',
  required: ['default'],
  properties: {
    default: { description: 'Value used unless overridden (by an including graph or `--set name=value`).' },
    type: {
      enum: ['number', 'integer', 'string', 'boolean', 'path', 'model', 'array', 'object'],
      description: 'path: resolved against this file (or cwd for --set); model: a local folder (resolved likewise) or a model hub id',
    },
    description: { type: 'string' },
  },
  additionalProperties: false,
};

export const graphSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://affectflow.dev/schema/graph.schema.json',
  title: 'affectflow graph',
  description: 'A dataflow graph run by `run-graph`: nodes, their params and how their ports are wired.',
  type: 'object',
  required: ['name', 'nodes'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', minLength: 1, description: 'Short name; used for the run directory.' },
    description: { type: 'string' },
    task: { type: 'string', description: 'What the graph is for, e.g. "emi" or "bah" (free text).' },
    presets: {
      type: 'object',
      description: 'Named sets of param values, applied with `--preset name` before `--set` (e.g. "paper": the published settings).',
      propertyNames: identifier,
      additionalProperties: { type: 'object' },
    },
    plugins: {
      type: 'array',
      description: 'Node modules to load (paths relative to this file). Nothing else is loaded implicitly.',
      items: { type: 'string' },
    },
    params: {
      type: 'object',
      description: 'Graph params, referenced from node params as "${name}".',
      propertyNames: identifier,
      additionalProperties: paramDeclaration,
    },
    nodes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id'],
        oneOf: [{ required: ['type'] }, { required: ['include'] }],
        additionalProperties: false,
        properties: {
          id: identifier,
          type: { type: 'string', description: 'Registered node type, e.g. "layer/lstm".' },
          include: { type: 'string', description: 'Graph file to include as a subgraph (relative to this file).' },
          description: { type: 'string' },
          params: { type: 'object', description: 'Node params (or, for an include, the subgraph params).' },
          in: wiring,
          concurrency: { type: 'integer', minimum: 1, description: 'Items processed at once by this node.' },
          onError: { enum: ['fail', 'skip'], description: 'On a failing sample: stop the run, or skip and report.' },
          cache: { type: 'boolean', description: 'Set false to bypass the cache for a cacheable node.' },
          layout: { type: 'object', description: 'Editor metadata; ignored by the runtime.' },
        },
      },
    },
    inputs: {
      type: 'object',
      description: 'For a graph meant to be included: exported input name → internal "nodeId.port" it feeds.',
      propertyNames: identifier,
      additionalProperties: { oneOf: [portRef, { type: 'array', items: portRef, minItems: 1 }] },
    },
    outputs: {
      type: 'object',
      description: 'For a graph meant to be included: exported output name → internal "nodeId.port".',
      propertyNames: identifier,
      additionalProperties: portRef,
    },
  },
};
