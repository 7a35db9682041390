// The node lifecycle controller and the taint eviction controller, one key per node: a node whose
// kubelet stops renewing its lease is marked Unknown, conditions become taints (`not-ready` /
// `unreachable` with NoSchedule and NoExecute, pressure and `unschedulable` with NoSchedule),
// pods of a node that is not Ready are marked not ready, and pods that do not tolerate a NoExecute
// taint are evicted once their tolerationSeconds run out.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod, PodStatus, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { Registry } from '../api/registry.js';
import { nodes, pods } from '../api/resources.js';
import { clone, jsonEqual, type KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import { formatTimestamp } from '../store/store.js';
import type { Clock } from './clock.js';
import { EventRecorder } from './events.js';
import { NODE_LEASE_NAMESPACE } from './kubelet.js';
import type { Reconciler } from './runtime.js';
import { asNode, asPod, TAINT_NODE_UNSCHEDULABLE, tolerationToleratesTaint } from './scheduler.js';
import { updatePodCondition } from '../api/pod-conditions.js';

/** Taint keys for a node whose Ready condition is False (not-ready) or Unknown (unreachable). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

const PODS = { group: '', resource: 'pods' };
const NODES = { group: '', resource: 'nodes' };
const LEASES = { group: 'coordination.k8s.io', resource: 'leases' };

// nodeConditionToTaintKeyStatusMap: which condition status becomes which NoSchedule taint.
const CONDITION_TAINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};

const NO_SCHEDULE_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);
const NO_EXECUTE_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);

/** A taint this controller owns (added and removed only here). */
export function isControllerTaint(taint: Taint): boolean {
  return (taint.effect === 'NoSchedule' && NO_SCHEDULE_KEYS.has(taint.key)) || (taint.effect === 'NoExecute' && NO_EXECUTE_KEYS.has(taint.key));
}

// ---------------------------------------------------------------------------------------------
// Node health (monitorNodeHealth / tryUpdateNodeHealth)
// ---------------------------------------------------------------------------------------------

export interface NodeHealthPlan {
  /** New status.conditions, when the node went stale. */
  conditions?: NodeCondition[];
  /** When the node goes stale unless its kubelet reports again (ms since epoch). */
  staleAt?: number;
}

const HEALTH_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/**
 * Pure: the node is stale when neither its lease nor its Ready heartbeat moved within the grace
 * period (the startup grace period before it ever posted Ready), counted at the earliest from when
 * this controller first observed the node; then its conditions become Unknown.
 */
export function tryUpdateNodeHealth(node: Node, lease: Lease | undefined, now: Date, gracePeriodMs: number, startupGracePeriodMs: number, firstObservedMs = Number.NaN): NodeHealthPlan {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const times = [Date.parse(lease?.spec?.renewTime ?? ''), Date.parse(ready?.lastHeartbeatTime ?? ''), firstObservedMs];
  if (!ready) times.push(Date.parse(node.metadata?.creationTimestamp ?? ''));
  const probe = Math.max(...times.filter((t) => !Number.isNaN(t)), Number.NEGATIVE_INFINITY);
  const staleAt = probe + (ready ? gracePeriodMs : startupGracePeriodMs);
  if (now.getTime() < staleAt) return { staleAt };
  const nowText = formatTimestamp(now);
  const next = conditions.map((c) => ({ ...c }));
  let changed = false;
  for (const type of HEALTH_CONDITION_TYPES) {
    const c = next.find((x) => x.type === type);
    if (!c) {
      next.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: nowText,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowText });
      changed = true;
    }
  }
  return changed ? { conditions: next } : {};
}

// ---------------------------------------------------------------------------------------------
// Taints (doNoScheduleTaintingPass / doNoExecuteTaintingPass)
// ---------------------------------------------------------------------------------------------

/** Pure: the node's taints with the controller's ones swapped to match conditions; new ones get timeAdded (SwapNodeControllerTaint). */
export function desiredNodeTaints(node: Node, conditions: readonly NodeCondition[], now: Date): Taint[] {
  const wanted: Taint[] = [];
  for (const c of conditions) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) wanted.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  const ready = conditions.find((c) => c.type === 'Ready')?.status;
  if (ready === 'False') wanted.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') wanted.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });

  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const current = node.spec?.taints ?? [];
  const kept = current.filter((t) => !isControllerTaint(t) || wanted.some((w) => same(w, t)));
  const added = wanted.filter((w) => !current.some((t) => same(t, w))).map((t) => ({ ...t, timeAdded: formatTimestamp(now) }));
  return [...kept.map((t) => ({ ...t })), ...added];
}

// ---------------------------------------------------------------------------------------------
// NoExecute eviction (the taint eviction controller's processPodOnNode)
// ---------------------------------------------------------------------------------------------

export interface TaintEvictionPlan {
  /** Pods to delete now. */
  evict: Pod[];
  /** When the next toleration runs out. */
  requeueAfterMs?: number;
}

/**
 * Pure: a pod that does not tolerate a NoExecute taint is evicted at once; one that tolerates all
 * of them with tolerationSeconds is evicted when the first runs out, counted from the taint's
 * timeAdded (so a restarted controller keeps the same deadline). Terminating pods are skipped.
 */
export function planTaintEviction(taints: readonly Taint[], pods: readonly Pod[], now: Date): TaintEvictionPlan {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  const evict: Pod[] = [];
  let requeue = Infinity;
  if (noExecute.length === 0) return { evict };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    let deadline = Infinity;
    for (const taint of noExecute) {
      // getMatchingTolerations: the first toleration that tolerates each taint is the one used.
      const used: Toleration | undefined = (pod.spec?.tolerations ?? []).find((t) => tolerationToleratesTaint(t, taint));
      if (!used) {
        deadline = -Infinity;
        break;
      }
      if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
      const added = Date.parse(taint.timeAdded ?? '');
      const start = Number.isNaN(added) ? now.getTime() : added;
      deadline = Math.min(deadline, start + Math.max(0, used.tolerationSeconds) * 1000);
    }
    if (deadline <= now.getTime()) evict.push(pod);
    else if (deadline !== Infinity) requeue = Math.min(requeue, deadline - now.getTime());
  }
  return requeue === Infinity ? { evict } : { evict, requeueAfterMs: requeue };
}

// ---------------------------------------------------------------------------------------------
// Everything for one node
// ---------------------------------------------------------------------------------------------

export interface NodeLifecycleInput {
  node: Node;
  lease?: Lease;
  pods: readonly Pod[];
  now: Date;
  gracePeriodMs: number;
  startupGracePeriodMs: number;
  /** When this controller first saw the node (ms): a restarted controller gives every node a fresh grace period, as upstream's probe timestamps do. */
  firstObservedMs?: number;
}

export interface NodeLifecyclePlan {
  /** New node status.conditions, when the controller marks the node Unknown. */
  conditions?: NodeCondition[];
  /** New spec.taints, when they change. */
  taints?: Taint[];
  /** Reasons of node events (`NodeNotReady`). */
  nodeEvents: string[];
  /** Pods whose Ready condition becomes False (MarkPodsNotReady). */
  markNotReady: Pod[];
  /** Pods to evict (DisruptionTarget condition, then a graceful delete). */
  evict: Pod[];
  requeueAfterMs?: number;
}

/** Pure: health, taints, not-ready marking and NoExecute eviction for one node. */
export function planNodeLifecycle(input: NodeLifecycleInput): NodeLifecyclePlan {
  const { node, now } = input;
  const health = tryUpdateNodeHealth(node, input.lease, now, input.gracePeriodMs, input.startupGracePeriodMs, input.firstObservedMs);
  const before = node.status?.conditions ?? [];
  const conditions = health.conditions ?? before;
  const wasReady = before.find((c) => c.type === 'Ready')?.status === 'True';
  const ready = conditions.find((c) => c.type === 'Ready');
  const taints = desiredNodeTaints(node, conditions, now);
  const taintsChanged = !jsonEqual(taints, node.spec?.taints ?? []);
  // MarkPodsNotReady only when this controller turns a Ready node not ready (it found the lease
  // stale): a node whose own kubelet reports NotReady keeps its pods as that kubelet says.
  const markNotReady =
    wasReady && ready && ready.status !== 'True'
      ? input.pods.filter((p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
      : [];
  const eviction = planTaintEviction(taints, input.pods, now);
  const waits = [eviction.requeueAfterMs, health.staleAt !== undefined ? health.staleAt - now.getTime() : undefined].filter((v): v is number => v !== undefined);
  return {
    ...(health.conditions ? { conditions: health.conditions } : {}),
    ...(taintsChanged ? { taints } : {}),
    nodeEvents: wasReady && ready?.status !== 'True' ? ['NodeNotReady'] : [],
    markNotReady,
    evict: eviction.evict,
    ...(waits.length ? { requeueAfterMs: Math.max(0, Math.min(...waits)) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The reconciler
// ---------------------------------------------------------------------------------------------

export interface NodeLifecycleOptions {
  /** node-monitor-grace-period: how long a lease may go unrenewed (default 40 s). */
  gracePeriodMs?: number;
  /** How long a new node may take to post its first status (default 60 s). */
  startupGracePeriodMs?: number;
}

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409;
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

/** Reconciles one node (key = node name): health, taints and the pods on it. */
export function nodeLifecycleController(registry: Registry, clock: Clock, options: NodeLifecycleOptions = {}): Reconciler {
  const gracePeriodMs = options.gracePeriodMs ?? 40_000;
  const startupGracePeriodMs = options.startupGracePeriodMs ?? 60_000;
  const nodeRecorder = new EventRecorder(registry, clock, { component: 'node-controller' });
  const evictionRecorder = new EventRecorder(registry, clock, { component: 'taint-eviction-controller' });
  // When this controller first saw a NoExecute taint that carries no timeAdded (user-added ones).
  const taintSeen = new Map<string, number>();
  // When this controller first saw each node: stale heartbeats from before a restart are not held against it.
  const firstObserved = new Map<string, number>();

  /** NoExecute taints without timeAdded count from when they were first seen, as upstream's in-memory queue does. */
  function withTimeAdded(node: Node, now: Date): Node {
    const name = node.metadata?.name ?? '';
    const present = new Set<string>();
    const taints = (node.spec?.taints ?? []).map((t) => {
      if (t.effect !== 'NoExecute' || t.timeAdded) return t;
      const id = `${name}\u0000${t.key}\u0000${t.value ?? ''}`;
      present.add(id);
      if (!taintSeen.has(id)) taintSeen.set(id, now.getTime());
      return { ...t, timeAdded: new Date(taintSeen.get(id)!).toISOString() };
    });
    for (const id of taintSeen.keys()) if (id.startsWith(`${name}\u0000`) && !present.has(id)) taintSeen.delete(id);
    return { ...node, spec: { ...node.spec, taints } };
  }

  async function patchPodStatus(obj: KubeObject, change: (status: PodStatus) => boolean): Promise<void> {
    const probe = clone((obj.status ?? {}) as PodStatus);
    if (!change(probe)) return;
    await registry.patch(pods, obj.metadata.namespace, obj.metadata.name!, (current) => {
      if (current.metadata.uid !== obj.metadata.uid) throw new StatusError(409, 'Conflict', 'the pod was replaced');
      const status = (current.status ?? {}) as PodStatus;
      change(status);
      current.status = status;
      return current;
    }, { subresource: 'status' });
  }

  return {
    name: 'node-lifecycle',
    workers: 4,
    watches: [
      { def: nodes, keys: (obj) => [obj.metadata.name!] },
      // A pod matters here only for taint eviction (pods are marked not ready when their node
      // turns not ready, which is a node event): a pod change wakes its node only while the node
      // has a NoExecute taint, not on every status write of every pod.
      {
        def: pods,
        keys: (obj) => {
          const nodeName = asPod(obj).spec?.nodeName;
          const node = nodeName ? registry.store.get(NODES, undefined, nodeName) : undefined;
          return node && (asNode(node).spec?.taints ?? []).some((t) => t.effect === 'NoExecute') ? [nodeName!] : [];
        },
      },
    ],
    initialKeys: () => registry.store.list(NODES).map((n) => n.metadata.name!),
    async reconcile(name) {
      const obj = registry.store.get(NODES, undefined, name);
      const now = clock.now();
      if (!obj) {
        for (const id of taintSeen.keys()) if (id.startsWith(`${name}\u0000`)) taintSeen.delete(id);
        firstObserved.delete(name);
        return undefined;
      }
      if (!firstObserved.has(name)) firstObserved.set(name, now.getTime());
      const stored = asNode(obj);
      const podObjs = registry.store.byIndex(PODS, 'nodeName', name);
      const plan = planNodeLifecycle({
        node: withTimeAdded(stored, now),
        lease: registry.store.get(LEASES, NODE_LEASE_NAMESPACE, name) as Lease | undefined,
        pods: podObjs.map(asPod),
        now,
        gracePeriodMs,
        startupGracePeriodMs,
        firstObservedMs: firstObserved.get(name),
      });
      try {
        if (plan.conditions) {
          await registry.patch(nodes, undefined, name, (current) => {
            // Only over the status we judged: a kubelet that just reported wins.
            current.metadata.resourceVersion = obj.metadata.resourceVersion;
            current.status = { ...(current.status as object), conditions: plan.conditions };
            return current;
          }, { subresource: 'status' });
        }
        const taintsNow = plan.taints && plan.taints.map((t) => (stored.spec?.taints ?? []).find((s) => s.key === t.key && s.effect === t.effect && s.value === t.value) ?? t);
        if (taintsNow) {
          await registry.patch(nodes, undefined, name, (current) => {
            const spec = (current.spec ?? {}) as Node['spec'] & object;
            const latest = registry.store.get(NODES, undefined, name);
            if (!jsonEqual(latest?.spec, obj.spec)) throw new StatusError(409, 'Conflict', 'the node spec changed');
            if (taintsNow.length) spec.taints = taintsNow;
            else delete spec.taints;
            current.spec = spec;
            return current;
          });
        }
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 0 };
        if (isNotFound(err)) return undefined;
        throw err;
      }
      for (const reason of plan.nodeEvents) void nodeRecorder.record(obj, 'Normal', reason, `Node ${name} status is now: ${reason}`);

      const byUid = new Map(podObjs.map((p) => [p.metadata.uid!, p]));
      for (const pod of plan.markNotReady) {
        const podObj = byUid.get(pod.metadata!.uid!)!;
        try {
          await patchPodStatus(podObj, (status) => {
            const ready = status.conditions?.find((c) => c.type === 'Ready');
            return ready?.status === 'True' ? updatePodCondition(status, { ...ready, status: 'False' }, now) : false;
          });
        } catch (err) {
          if (!isConflict(err) && !isNotFound(err)) throw err;
        }
      }
      for (const pod of plan.evict) {
        const podObj = byUid.get(pod.metadata!.uid!)!;
        const ref = `${podObj.metadata.namespace}/${podObj.metadata.name}`;
        void evictionRecorder.record(podObj, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ref}`);
        try {
          await patchPodStatus(podObj, (status) =>
            updatePodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }, now),
          );
          await registry.delete(pods, podObj.metadata.namespace, podObj.metadata.name!, { preconditions: { uid: podObj.metadata.uid } });
        } catch (err) {
          if (!isConflict(err) && !isNotFound(err)) throw err;
        }
      }
      // Relative to when the plan was made, not to now: the writes above took time.
      return plan.requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(0, now.getTime() + plan.requeueAfterMs - clock.now().getTime()) } : undefined;
    },
  };
}
