// Pod garbage collection (pkg/controller/podgc): force-deletes pods bound to a node that no longer
// exists (promptly, without upstream's 40 s quarantine), terminating pods that were never
// scheduled, terminating pods on a node taken out of service, and the oldest terminated pods once
// there are more than a threshold.
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Registry } from '../api/registry.js';
import { nodes, pods } from '../api/resources.js';
import type { KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import type { Clock } from './clock.js';
import type { Reconciler } from './runtime.js';
import { asNode, asPod, isPodTerminal } from './scheduler.js';
import { updatePodCondition, type PodConditionWire } from '../api/pod-conditions.js';

/** The taint an operator sets on a node that is shut down for good (non-graceful node shutdown). */
export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

const PODS = { group: '', resource: 'pods' };
const NODES = { group: '', resource: 'nodes' };

/** Why a pod is collected; orphans also get upstream's DisruptionTarget condition. */
export type PodGcReason = 'orphaned' | 'unscheduledTerminating' | 'outOfService' | 'terminated';

/** One pod to force-delete and why. */
export interface PodGcAction {
  pod: Pod;
  reason: PodGcReason;
}

function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function byCreation(a: Pod, b: Pod): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/**
 * Pure: which of these pods to force-delete, given every existing node. A threshold of 0 keeps
 * all terminated pods (upstream's terminated-pod-gc-threshold <= 0).
 */
export function planPodGc(input: { pods: readonly Pod[]; nodes: readonly Node[]; terminatedPodThreshold: number }): PodGcAction[] {
  const actions: PodGcAction[] = [];
  const chosen = new Set<Pod>();
  const add = (pod: Pod, reason: PodGcReason) => {
    if (chosen.has(pod)) return;
    chosen.add(pod);
    actions.push({ pod, reason });
  };
  if (input.terminatedPodThreshold > 0) {
    const terminated = input.pods.filter(isPodTerminal).sort(byCreation);
    for (const pod of terminated.slice(0, Math.max(0, terminated.length - input.terminatedPodThreshold))) add(pod, 'terminated');
  }
  const byName = new Map(input.nodes.map((n) => [n.metadata?.name ?? '', n]));
  for (const pod of input.pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (pod.metadata?.deletionTimestamp) add(pod, 'unscheduledTerminating');
      continue;
    }
    const node = byName.get(nodeName);
    if (!node) add(pod, 'orphaned');
    else if (pod.metadata?.deletionTimestamp && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE && t.effect === 'NoExecute')) {
      add(pod, 'outOfService');
    }
  }
  return actions;
}

export interface PodGcOptions {
  /** Terminated pods kept before the oldest are deleted (upstream default 12500; 0 disables). */
  terminatedPodThreshold?: number;
}

function isGone(err: unknown): boolean {
  return err instanceof StatusError && (err.code === 404 || err.code === 409);
}

/**
 * Keys: `node/<name>` (pods bound to that node), `pod/<ns>/<name>` (a terminating pod without a
 * node) and `terminated` (the cluster-wide count of terminated pods).
 */
export function podGcController(registry: Registry, clock: Clock, options: PodGcOptions = {}): Reconciler {
  const threshold = options.terminatedPodThreshold ?? 12_500;

  const podKeys = (obj: KubeObject): string[] => {
    const pod = asPod(obj);
    const keys: string[] = [];
    const nodeName = pod.spec?.nodeName;
    if (nodeName && (obj.metadata.deletionTimestamp || !registry.store.get(NODES, undefined, nodeName))) keys.push(`node/${nodeName}`);
    if (!nodeName && obj.metadata.deletionTimestamp) keys.push(`pod/${obj.metadata.namespace}/${obj.metadata.name}`);
    if (threshold > 0 && isPodTerminal(pod)) keys.push('terminated');
    return keys;
  };

  /** markFailedAndDeletePod(WithCondition): a pod not yet terminal is marked Failed first, then removed at once. */
  async function collect(obj: KubeObject, reason: PodGcReason): Promise<void> {
    const now = clock.now();
    try {
      if (!isPodTerminal(asPod(obj))) {
        await registry.patch(pods, obj.metadata.namespace, obj.metadata.name!, (current) => {
          if (current.metadata.uid !== obj.metadata.uid) throw new StatusError(409, 'Conflict', 'the pod was replaced');
          const status = (current.status ?? {}) as PodStatus;
          status.phase = 'Failed';
          if (reason === 'orphaned') {
            const condition: PodConditionWire = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
            updatePodCondition(status, condition, now);
          }
          current.status = status;
          return current;
        }, { subresource: 'status' });
      }
      await registry.delete(pods, obj.metadata.namespace, obj.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: obj.metadata.uid } });
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  }

  async function apply(podObjs: readonly KubeObject[], nodeList: readonly KubeObject[], limitTo?: PodGcReason[]): Promise<void> {
    const byUid = new Map(podObjs.map((p) => [p.metadata.uid!, p]));
    const actions = planPodGc({ pods: podObjs.map(asPod), nodes: nodeList.map(asNode), terminatedPodThreshold: limitTo?.includes('terminated') ? threshold : 0 });
    for (const a of actions) if (!limitTo || limitTo.includes(a.reason)) await collect(byUid.get(a.pod.metadata!.uid!)!, a.reason);
  }

  return {
    name: 'pod-gc',
    watches: [
      { def: pods, keys: podKeys },
      { def: nodes, keys: (obj) => [`node/${obj.metadata.name}`] },
    ],
    initialKeys: () => {
      const keys = new Set<string>(registry.store.list(NODES).map((n) => `node/${n.metadata.name}`));
      for (const p of registry.store.list(PODS)) for (const k of podKeys(p)) keys.add(k);
      return [...keys];
    },
    async reconcile(key) {
      if (key === 'terminated') {
        await apply(registry.store.list(PODS), registry.store.list(NODES), ['terminated']);
        return undefined;
      }
      if (key.startsWith('node/')) {
        const name = key.slice('node/'.length);
        const node = registry.store.get(NODES, undefined, name);
        await apply(registry.store.byIndex(PODS, 'nodeName', name), node ? [node] : [], ['orphaned', 'outOfService']);
        return undefined;
      }
      const [, namespace, name] = key.split('/');
      const pod = registry.store.get(PODS, namespace, name!);
      if (pod) await apply([pod], [], ['unscheduledTerminating']);
      return undefined;
    },
  };
}
