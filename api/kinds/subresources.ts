// Strategies of the subresources that own one field of their parent: pods/binding owns
// spec.nodeName (and marks the pod scheduled), namespaces/finalize owns spec.finalizers.
// Everything else is kept from old.
import { writableCopy, type KubeObject } from '../../store/object.js';
import type { SubresourceStrategy } from '../types.js';
import type { PodStatus } from 'kubernetes-types/core/v1.js';
import { updatePodCondition } from '../pod-conditions.js';

interface WithSpec {
  spec?: Record<string, unknown>;
}

/**
 * Makes obj old except for one spec field, which keeps obj's value. The parts of old (stored,
 * frozen) are shared, not copied: obj's own are its top level, metadata, spec and status.
 */
function ownsSpecField(field: string): SubresourceStrategy {
  return {
    prepareForUpdate(obj: KubeObject, old: KubeObject): void {
      const value = (obj as WithSpec).spec?.[field];
      for (const key of Object.keys(obj)) if (key !== 'metadata') delete obj[key];
      Object.assign(obj, writableCopy(old), { metadata: { ...old.metadata, resourceVersion: obj.metadata.resourceVersion } });
      const spec = ((obj as WithSpec).spec ??= {});
      if (value === undefined) delete spec[field];
      else spec[field] = value;
    },
  };
}

const ownsNodeName = ownsSpecField('nodeName');

/**
 * pods/binding (upstream's assignPod): sets spec.nodeName and, in the same write, the
 * PodScheduled=True condition, so a scheduled pod costs one write.
 */
export const podBindingStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old, ctx) {
    ownsNodeName.prepareForUpdate(obj, old, ctx);
    if ((obj as WithSpec).spec?.nodeName === (old as WithSpec).spec?.nodeName) return;
    const status = ((obj.status ??= {}) as PodStatus);
    updatePodCondition(status, { type: 'PodScheduled', status: 'True' }, ctx.now);
  },
};
export const namespaceFinalizeStrategy = ownsSpecField('finalizers');
