/** Glue between a node's model params and model resolution: one request per node, used by setup and requires(). */
import type { Requirement } from '../../runtime/contract.js';
import { obtainHint, ROLE_NAMES, type ModelParams, type ModelRole } from './catalog.js';
import { modelRequirement, resolveModel, type FileRequirement, type ModelRequest, type ResolvedModel } from './resolve.js';

export interface NodeModelSpec {
  role: ModelRole;
  files: readonly FileRequirement[];
  /** Extra words for the hint (marker token, head). */
  hintExtra?: { marker?: string; head?: boolean };
}

export function modelRequest(params: ModelParams, graphFile: string, spec: NodeModelSpec): ModelRequest {
  return {
    role: ROLE_NAMES[spec.role],
    model: params.model,
    revision: params.revision,
    files: spec.files,
    hint: obtainHint(spec.role, params.model, spec.hintExtra),
    graphFile,
  };
}

export function modelRequirements(params: ModelParams, graphFile: string, spec: NodeModelSpec): Promise<Requirement[]> {
  return Promise.resolve([modelRequirement(modelRequest(params, graphFile, spec))]);
}

export function resolveNodeModel(params: ModelParams, graphFile: string, spec: NodeModelSpec, signal?: AbortSignal): Promise<ResolvedModel> {
  return resolveModel(modelRequest(params, graphFile, spec), process.env, signal);
}

/** The usual ONNX file of a single-file export: at the top or under onnx/ (as hub repos with ONNX keep it). */
export const ONNX_MODEL: readonly string[] = ['model.onnx', 'onnx/model.onnx'];
