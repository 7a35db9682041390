// Patch application by content type. Each returns a new document; inputs are never mutated.
import fastJsonPatch from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { clone, isPlainObject, type KubeObject } from '../store/object.js';
import { StatusError, badRequest } from '../store/status-error.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import type { ResourceDefinition } from './types.js';

/** The JSON kind of a value as Go's UnmarshalTypeError names it. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** A patch that decoded but does not apply: upstream's NewGenericServerResponse(422) with the cause. */
function notApplicable(cause: string): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', { causes: [{ reason: 'UnexpectedServerResponse', message: cause }] });
}

/**
 * RFC 6902 JSON patch, as upstream's patcher: a document that is no list of operations does not
 * decode (400); operations that do not apply (unknown op, bad path, failed test) are 422.
 */
export function applyJsonPatch(doc: KubeObject, patch: unknown): KubeObject {
  // null decodes to an empty list of operations: nothing to apply.
  if (patch === null) return clone(doc);
  if (!Array.isArray(patch)) throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type jsonpatch.Patch`);
  const notAnOperation = patch.find((op) => op !== null && !isPlainObject(op));
  if (notAnOperation !== undefined) throw badRequest(`json: cannot unmarshal ${jsonKind(notAnOperation)} into Go value of type jsonpatch.Operation`);
  const error = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], clone(doc));
  if (error) {
    if (error.name === 'TEST_OPERATION_FAILED') {
      throw notApplicable(`testing value ${(error.operation as { path?: string } | undefined)?.path ?? ''} failed: test failed`);
    }
    throw notApplicable(describePatchError(error));
  }
  try {
    return fastJsonPatch.applyPatch(clone(doc), patch as fastJsonPatch.Operation[], false, true).newDocument;
  } catch (err) {
    throw notApplicable((err as Error).message.split('\n')[0]!);
  }
}

function describePatchError(error: fastJsonPatch.JsonPatchError): string {
  const op = error.operation as { op?: string; path?: string } | undefined;
  const where = op ? ` (op ${JSON.stringify(op.op)} at ${JSON.stringify(op.path)})` : '';
  return `${error.message.split('\n')[0]}${where}`;
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces. */
export function applyMergePatch(doc: KubeObject, patch: unknown): KubeObject {
  // evanphx/json-patch's MergePatch: a list replaces the whole document (which then fails to decode
  // as the kind, 422); any other non-object is ErrBadJSONPatch (400).
  if (Array.isArray(patch)) return clone(patch) as unknown as KubeObject;
  if (!isPlainObject(patch)) throw badRequest('Invalid JSON Patch');
  return jsonMergePatch.apply(clone(doc), patch) as KubeObject;
}

/** Strategic merge patch for the kind's schema. */
export function applyStrategicMergePatch(def: ResourceDefinition, doc: KubeObject, patch: unknown): KubeObject {
  // The patch is unmarshalled into a map[string]interface{}: null is an empty patch, a non-object is 400.
  if (patch === null) return clone(doc);
  if (!isPlainObject(patch)) throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
  return strategicMergePatch(def.group, def.kind, doc, patch);
}
