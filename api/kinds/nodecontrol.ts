// NodeControl (kubemock.dev/v1alpha1, cluster-scoped): named after a node, it stops or starts that
// node's simulated kubelet. A stopped kubelet renews no lease and posts no status, so the node
// lifecycle controller marks the node Unknown, taints it unreachable and evicts what does not
// tolerate that. Deleting the NodeControl, or setting Running, starts the kubelet again.
import type { KubeObject } from '../../store/object.js';
import type { FieldError } from '../field-errors.js';
import { specOf, specStatusStrategy, validateEnum } from './steering-common.js';

export const KUBELET_STATES = ['Running', 'Stopped'] as const;
export type KubeletState = (typeof KUBELET_STATES)[number];

/** The kubelet state a NodeControl asks for (Running when unset). */
export function desiredKubeletState(obj: KubeObject | undefined): KubeletState {
  return specOf(obj ?? ({ metadata: {} } as KubeObject)).kubelet === 'Stopped' ? 'Stopped' : 'Running';
}

function validateNodeControl(obj: KubeObject): FieldError[] {
  return validateEnum(specOf(obj).kubelet, 'spec.kubelet', KUBELET_STATES);
}

/** NodeControl: spec.kubelet defaults to Running; status mirrors the node (nodeReady, taints). */
export const nodeControlStrategy = specStatusStrategy({
  nameRule: 'subdomain',
  defaults(obj) {
    const spec = specOf(obj);
    if (spec.kubelet === undefined || spec.kubelet === null || spec.kubelet === '') spec.kubelet = 'Running';
  },
  validateSpec: validateNodeControl,
});
