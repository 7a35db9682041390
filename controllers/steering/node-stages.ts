// Node stages: the kubelet's node status planner wrapped by the kubemock.dev NodeStage that selects
// a node. A node under a start-up delay reports Ready=False (KubeletNotReady, "container runtime
// status check may not have completed yet") until creationTimestamp + delay + jitter; a node the
// notReady fraction picks reports Ready=False with the stage's reason and message for as long as
// the stage selects it; a heartbeat interval replaces the 40 s node status report. Which nodes a
// fraction picks, and each node's jitter, are a hash of (stage, node uid), fixed across syncs.
import type { Node } from 'kubernetes-types/core/v1.js';
import { refOf, type Registry } from '../../api/registry.js';
import { nodes } from '../../api/resources.js';
import { nodeStages } from '../../api/steering-resources.js';
import { KUBELET_NOT_READY, NETWORK_NOT_READY_MESSAGE, nodeStageSpecOf, STARTING_MESSAGE, type NodeStageSpec } from '../../api/kinds/nodestage.js';
import type { KubeObject } from '../../store/object.js';
import { planNodeStatus, type NodeNotReady, type NodeStatusPlan } from '../kubelet.js';
import type { Reconciler } from '../runtime.js';
import { firstStageByName, inStableFraction, selectorsMatch, stableJitterMs, type PodFieldMatcher } from './pod-stages.js';

const STAGES = refOf(nodeStages);

/** What a stage does to one node (already decided for that node: fraction and jitter resolved). */
export interface NodeStageBehavior {
  stage: string;
  /** When the node first reports Ready (ms since the epoch). */
  readyAt?: number;
  notReady?: NodeNotReady;
  reportIntervalMs?: number;
}

/** Pure: the behaviour of a stage for a node, with its fraction and jitter decided. */
export function nodeBehaviorFor(stageName: string, spec: NodeStageSpec, node: Node): NodeStageBehavior {
  const uid = node.metadata?.uid ?? node.metadata?.name ?? '';
  const b: NodeStageBehavior = { stage: stageName };
  if (spec.startup) {
    const created = Date.parse(node.metadata?.creationTimestamp ?? '');
    const jitter = stableJitterMs(stageName, uid, spec.startup.jitterMs);
    if (!Number.isNaN(created)) b.readyAt = created + (spec.startup.delayMs ?? 0) + jitter;
  }
  if (spec.notReady && inStableFraction(stageName, uid, 'notReady', spec.notReady.fraction ?? 1)) {
    b.notReady = { reason: spec.notReady.reason || KUBELET_NOT_READY, message: spec.notReady.message ?? NETWORK_NOT_READY_MESSAGE };
  }
  if (spec.heartbeat?.intervalMs !== undefined) b.reportIntervalMs = spec.heartbeat.intervalMs;
  return b;
}

/** Pure: the kubelet's node status plan under a stage's behaviour (planNodeStatus where the stage changes nothing). */
export function planStagedNodeStatus(node: Node, now: Date, reportIntervalMs: number, b: NodeStageBehavior | undefined): NodeStatusPlan {
  if (!b) return planNodeStatus(node, now, reportIntervalMs);
  const starting = b.readyAt !== undefined && now.getTime() < b.readyAt;
  const notReady = b.notReady ?? (starting ? { reason: KUBELET_NOT_READY, message: STARTING_MESSAGE } : undefined);
  const plan = planNodeStatus(node, now, b.reportIntervalMs ?? reportIntervalMs, notReady);
  // Wake when the start-up is over, not only at the next heartbeat.
  if (starting && !b.notReady) return { ...plan, requeueAfterMs: Math.min(plan.requeueAfterMs, b.readyAt! - now.getTime()) };
  return plan;
}

/** The kubelet's nodeStatusPlanner: finds the node's stage (first by name) and plans under it. */
export function stagedNodeStatusPlanner(registry: Registry): (node: Node, now: Date, reportIntervalMs: number) => NodeStatusPlan {
  const fieldsMatch: PodFieldMatcher = (fieldSelector, obj) => registry.selector(nodes, undefined, fieldSelector).matches(obj);
  return (node, now, reportIntervalMs) => {
    const stages = registry.store.list(STAGES);
    if (stages.length === 0) return planNodeStatus(node, now, reportIntervalMs);
    const obj = node as unknown as KubeObject;
    const stage = firstStageByName(stages, (s) => selectorsMatch(nodeStageSpecOf(s), obj, fieldsMatch));
    return planStagedNodeStatus(node, now, reportIntervalMs, stage && nodeBehaviorFor(stage.metadata.name!, nodeStageSpecOf(stage), node));
  };
}

/** Wakes every node's kubelet when a stage changes (KubeletOptions.wakeOn). */
export function kubeletWakeOnNodeStage(registry: Registry): Reconciler['watches'] {
  return [{ def: nodeStages, keys: () => registry.store.list(refOf(nodes)).map((n) => n.metadata.name!) }];
}
