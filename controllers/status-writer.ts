// The one way controllers write a status: only when it changed, guarded by the resourceVersion the
// status was computed from. A conflict means newer state exists, so the key is looked at again at
// once; an object that is gone needs nothing.
import type { Registry } from '../api/registry.js';
import type { ResourceDefinition } from '../api/types.js';
import { jsonEqual, type KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import type { ReconcileResult } from './runtime.js';

/** Writes status through /status when it differs from observed.status; returns a requeue on conflict. */
export async function writeStatusIfChanged(registry: Registry, def: ResourceDefinition, observed: KubeObject, status: unknown): Promise<ReconcileResult | undefined> {
  if (jsonEqual(status, observed.status)) return undefined;
  try {
    await registry.patch(def, observed.metadata.namespace, observed.metadata.name!, (current) => {
      current.metadata.resourceVersion = observed.metadata.resourceVersion;
      current.status = status;
      return current;
    }, { subresource: 'status' });
  } catch (err) {
    if (err instanceof StatusError && err.code === 409) return { requeueAfterMs: 0 };
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
  return undefined;
}
