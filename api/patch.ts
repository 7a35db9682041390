// Patch application by content type. Each returns a new document; inputs are never mutated.
import fastJsonPatch from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { clone, isPlainObject, type KubeObject } from '../store/object.js';
import { StatusError, badRequest } from '../store/status-error.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import type { ResourceDefinition } from './types.js';

/** RFC 6902 JSON patch. A failed `test` op is 422 as upstream; malformed ops are 400. */
export function applyJsonPatch(doc: KubeObject, patch: unknown): KubeObject {
  if (!Array.isArray(patch)) throw badRequest('the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const error = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], clone(doc));
  if (error) {
    if (error.name === 'TEST_OPERATION_FAILED') {
      throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${error.operation ? JSON.stringify((error.operation as { path?: string }).path) : ''} failed: test failed`);
    }
    throw badRequest(`the server rejected our request due to an error in our request: ${describePatchError(error)}`);
  }
  try {
    return fastJsonPatch.applyPatch(clone(doc), patch as fastJsonPatch.Operation[], false, true).newDocument;
  } catch (err) {
    throw badRequest(`the server rejected our request due to an error in our request: ${(err as Error).message.split('\n')[0]}`);
  }
}

function describePatchError(error: fastJsonPatch.JsonPatchError): string {
  const op = error.operation as { op?: string; path?: string } | undefined;
  const where = op ? ` (op ${JSON.stringify(op.op)} at ${JSON.stringify(op.path)})` : '';
  return `${error.message.split('\n')[0]}${where}`;
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces. */
export function applyMergePatch(doc: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) throw badRequest('the server rejected our request due to an error in our request: a merge patch must be a JSON object');
  return jsonMergePatch.apply(clone(doc), patch) as KubeObject;
}

/** Strategic merge patch for the kind's schema. */
export function applyStrategicMergePatch(def: ResourceDefinition, doc: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) throw badRequest('the server rejected our request due to an error in our request: a strategic merge patch must be a JSON object');
  return strategicMergePatch(def.group, def.kind, doc, patch);
}
