// Pod conditions as pkg/api/v1/pod keeps them: shared by the binding subresource and the
// controllers that write pod status (scheduler, kubelet, node lifecycle, pod GC).
import type { PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { jsonEqual } from '../store/object.js';
import { formatTimestamp } from '../store/store.js';

/** A pod condition as written on the wire: lastProbeTime is serialised as null when unset. */
export type PodConditionWire = Omit<PodCondition, 'lastProbeTime'> & { lastProbeTime?: string | null };

/**
 * UpdatePodCondition (pkg/api/v1/pod): sets a condition in status with lastTransitionTime now, or
 * the old one when the status does not change; sets status.conditions to a new list (the old one
 * may be a stored object's, frozen); returns whether anything changed.
 */
export function updatePodCondition(status: PodStatus, condition: PodConditionWire, now: Date): boolean {
  const conditions = (status.conditions ?? []) as PodConditionWire[];
  const next: PodConditionWire = { type: condition.type, status: condition.status, lastProbeTime: condition.lastProbeTime ?? null };
  if (condition.reason) next.reason = condition.reason;
  if (condition.message) next.message = condition.message;
  const i = conditions.findIndex((c) => c.type === condition.type);
  const old = i >= 0 ? conditions[i] : undefined;
  next.lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : formatTimestamp(now);
  if (old && jsonEqual({ ...old, lastProbeTime: old.lastProbeTime ?? null }, next)) return false;
  (status as { conditions: PodConditionWire[] }).conditions = old ? conditions.map((c, j) => (j === i ? next : c)) : [...conditions, next];
  return true;
}
