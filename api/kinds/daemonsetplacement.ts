// DaemonSetPlacement (kubemock.dev/v1alpha1, namespaced, read-only): one per DaemonSet, with the
// DaemonSet's namespace and name, written by kubemock's placement controller. Its status lists,
// for every node, whether the DaemonSet gets a pod there and, if not, why: an untolerated taint,
// a nodeSelector key, a required node affinity term, spec.nodeName, or no room (capacity).
import type { KubeObject } from '../../store/object.js';
import { readOnlyStrategy, statusOf } from './steering-common.js';

/** Why a node gets no daemon pod; `Capacity` means eligible but the pod does not fit. */
export type PlacementReasonType = 'NodeName' | 'NodeSelector' | 'NodeAffinity' | 'Taint' | 'Capacity';

export interface PlacementReasonWire {
  type: PlacementReasonType;
  message: string;
}

/** One node's line of a DaemonSetPlacement. */
export interface NodePlacementWire {
  nodeName: string;
  /** NodeShouldRunDaemonPod's shouldRun: a daemon pod is created here. */
  eligible: boolean;
  /** A pod already there may stay (the node only has NoSchedule taints the pod does not tolerate). */
  keepsExistingPod?: boolean;
  /** The daemon pod on this node and its phase, if there is one. */
  pod?: string;
  podPhase?: string;
  reasons?: PlacementReasonWire[];
  /** Facts that do not stop a daemon pod (a cordoned node). */
  notes?: string[];
}

export interface DaemonSetPlacementStatus {
  observedGeneration?: number;
  numberEligible: number;
  numberScheduled: number;
  numberNotEligible: number;
  /** Eligible nodes without a scheduled daemon pod. */
  numberPending: number;
  nodes: NodePlacementWire[];
}

/** The status as written, read defensively. */
export function placementStatusOf(obj: KubeObject): Partial<DaemonSetPlacementStatus> {
  return statusOf(obj) as Partial<DaemonSetPlacementStatus>;
}

/** Only the placement controller writes these (the table row has no create, update or delete verbs). */
export const daemonSetPlacementStrategy = readOnlyStrategy('subdomain');
