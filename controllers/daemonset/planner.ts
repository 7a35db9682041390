// planDaemonSet: one sync of upstream's DaemonSet controller (syncDaemonSet → constructHistory,
// manage, rollingUpdate, cleanupHistory, updateDaemonSetStatus) as a pure function of what the
// controller observed. It returns the writes to make; controller.ts makes them.
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { clone, type DeepWritable } from '../../store/object.js';
import { memoized } from '../memo.js';
import { labelSelectorFromObject, type LabelSelectorPredicate } from '../../store/selectors.js';
import { addAutomaticTolerations, NODE_NAME_FIELD, nodeShouldRunDaemonPod, type DaemonPodVerdict } from './predicates.js';
import {
  controllerRefOf,
  CONTROLLER_REVISION_HASH_LABEL,
  planHistory,
  planHistoryCleanup,
  POD_TEMPLATE_GENERATION_LABEL,
  TEMPLATE_GENERATION_ANNOTATION,
} from './revisions.js';

/** Upstream's BurstReplicas: at most this many creates (and deletes) per sync. */
export const BURST_REPLICAS = 250;

/** kube-controller-manager's failed-pod back-off: flowcontrol.NewBackOff(1s, 15min). */
export const FAILED_POD_BACKOFF = { initialMs: 1000, maxMs: 15 * 60 * 1000 } as const;

/** One flowcontrol.Backoff entry: the current delay and when it was last raised (ms since epoch). */
export interface BackoffEntry {
  delayMs: number;
  lastUpdateMs: number;
}

export interface DaemonSetPlanInput {
  ds: DaemonSet;
  /** Every node of the cluster. */
  nodes: readonly Node[];
  /** Every pod of the DaemonSet's namespace: its own, orphans it may adopt, and others it ignores. */
  pods: readonly Pod[];
  /** Every ControllerRevision of the DaemonSet's namespace. */
  revisions: readonly ControllerRevision[];
  now: Date;
  /** Failed-pod back-off per `<ds uid>/<observedGeneration>/<node>` (E8). */
  failedPodBackoff?: ReadonlyMap<string, BackoffEntry>;
  /**
   * False while the controller still waits to observe its own earlier creates/deletes: then only
   * the status is recomputed, without raising observedGeneration (F8). Defaults to true.
   */
  expectationsSatisfied?: boolean;
  /** Creates (and deletes) per sync; upstream's BurstReplicas unless the pacing lifts it. */
  burstReplicas?: number;
}

export type DeleteReason = 'failed' | 'succeeded' | 'excess' | 'misscheduled' | 'nodeGone' | 'update' | 'surge';

export interface PodDeletion {
  name: string;
  uid?: string;
  node: string;
  reason: DeleteReason;
}

export interface PodCreation {
  node: string;
  pod: Pod;
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The writes of one sync, in the order upstream makes them. */
export interface DaemonSetPlan {
  /** The current revision's hash, once known. */
  hash?: string;
  revisions: {
    adopt: string[];
    release: string[];
    /** Revisions missing the controller-revision-hash label: it becomes the revision's name. */
    addHashLabel: string[];
    create?: ControllerRevision;
    renumber?: { name: string; revision: number };
    /** Duplicates of the current revision, then history beyond revisionHistoryLimit. */
    delete: string[];
  };
  pods: {
    adopt: string[];
    release: string[];
    /** Pods whose controller-revision-hash label becomes `hash` (after revision deduplication). */
    relabel: string[];
    create: PodCreation[];
    delete: PodDeletion[];
  };
  /** The full new status, or undefined when the stored one is already right. */
  status?: DaemonSetStatus;
  events: PlannedEvent[];
  /** Back-off entries to store (replacing any previous entry of the same key). */
  backoff: Array<[string, BackoffEntry]>;
  requeueAfterMs?: number;
}

type Meta = { metadata?: ObjectMeta };

/**
 * What a plan asks of every pod and revision, derived once per stored object (controllers/memo.ts):
 * the DaemonSet is re-planned on every event of every one of its pods during a fan-out, and most
 * of its pods have not changed since the last plan.
 */
interface ObjectFacts {
  controller: OwnerReference | undefined;
  createdMs: number;
}
interface PodFacts {
  targetNode: string | undefined;
  ready: boolean;
  /** The Ready condition's lastTransitionTime (ms), if it parses. */
  readySinceMs: number | undefined;
}

const deriveObjectFacts = (obj: Meta): ObjectFacts => ({
  controller: obj.metadata?.ownerReferences?.find((r) => r.controller === true),
  createdMs: obj.metadata?.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : 0,
});

function derivePodFacts(pod: Pod): PodFacts {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return {
    targetNode: deriveTargetNodeName(pod),
    ready: ready?.status === 'True',
    readySinceMs: Number.isNaN(since) ? undefined : since,
  };
}

const factsOfPod = memoized(derivePodFacts);
const factsOf = memoized(deriveObjectFacts);

/**
 * nodeShouldRunDaemonPod, kept per template (the pod it would create) and node object while both
 * are stored unchanged: a sync asks it of every node, and most syncs follow pod writes only.
 */
const verdictsByTemplate = new WeakMap<object, WeakMap<Node, DaemonPodVerdict>>();
function verdictFor(node: Node, ds: DaemonSet): DaemonPodVerdict {
  const template = ds.spec?.template;
  if (!template || !Object.isFrozen(template) || !Object.isFrozen(node)) return nodeShouldRunDaemonPod(node, ds);
  let byNode = verdictsByTemplate.get(template);
  if (!byNode) verdictsByTemplate.set(template, (byNode = new WeakMap()));
  let verdict = byNode.get(node);
  if (!verdict) byNode.set(node, (verdict = nodeShouldRunDaemonPod(node, ds)));
  return verdict;
}

/** metav1.GetControllerOf. */
export function controllerOf(obj: Meta): OwnerReference | undefined {
  return factsOf(obj).controller;
}

/** util.GetTargetNodeName: spec.nodeName, else the single `metadata.name In [node]` of the required affinity. */
export function getTargetNodeName(pod: Pod): string | undefined {
  return factsOfPod(pod).targetNode;
}

function deriveTargetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const req of term.matchFields ?? []) {
      if (req.key === NODE_NAME_FIELD && req.operator === 'In') return req.values?.length === 1 ? req.values[0] : undefined;
    }
  }
  return undefined;
}

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become the one matchFields term. */
export function replaceDaemonSetPodNodeNameNodeAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: NODE_NAME_FIELD, operator: 'In', values: [nodeName] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/** util.GetTemplateGeneration: the deprecated annotation as a number, or undefined. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const text = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return text !== undefined && /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** util.IsPodUpdated (H1): the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation)) || (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash);
}

/** podutil.IsPodReady. */
export function isPodReady(pod: Pod): boolean {
  return factsOfPod(pod).ready;
}

/** podutil.IsPodAvailable (H7): Ready, and Ready for more than minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 < now.getTime();
}

const readySince = (pod: Pod): number | undefined => factsOfPod(pod).readySinceMs;
const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
const timeOf = (pod: Pod): number => factsOf(pod).createdMs;

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true); undefined for an invalid value. */
export function scaledValue(value: number | string | undefined, total: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const m = /^(-?\d+)%$/.exec(value);
  return m ? Math.ceil((Number(m[1]) * total) / 100) : undefined;
}

/** util.SurgeCount: 0 unless RollingUpdate with maxSurge. */
export function surgeCount(ds: DaemonSet, numberToSchedule: number): number | undefined {
  const strategy = ds.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || !strategy?.rollingUpdate || strategy.rollingUpdate.maxSurge === undefined) return 0;
  return scaledValue(strategy.rollingUpdate.maxSurge, numberToSchedule);
}

/** util.UnavailableCount: 0 unless RollingUpdate. */
export function unavailableCount(ds: DaemonSet, numberToSchedule: number): number | undefined {
  const strategy = ds.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || !strategy?.rollingUpdate) return 0;
  // apps/v1 defaulting makes it 1; an object stored without defaults gets the same.
  return scaledValue(strategy.rollingUpdate.maxUnavailable ?? 1, numberToSchedule);
}

/** util.AllowsSurge. */
export function allowsSurge(ds: DaemonSet): boolean {
  return (surgeCount(ds, 1) ?? 0) > 0;
}

/** controller.GetPodFromTemplate over util.CreatePodTemplate, with the node affinity of E5. */
export function buildDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = ds.spec!.template;
  const meta = template.metadata ?? {};
  const generation = templateGeneration(ds);
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  if (generation !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash !== '') labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  const spec = clone(template.spec ?? { containers: [] }) as DeepWritable<NonNullable<Pod['spec']>>;
  spec.tolerations = addAutomaticTolerations(spec.tolerations, spec.hostNetwork === true);
  spec.affinity = replaceDaemonSetPodNodeNameNodeAffinity(spec.affinity, nodeName) as DeepWritable<Affinity>;
  const annotations = meta.annotations ?? {};
  const finalizers = meta.finalizers ?? [];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata!.name}-`,
      namespace: ds.metadata!.namespace,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
      ...(finalizers.length > 0 ? { finalizers: [...finalizers] } : {}),
      ownerReferences: [controllerRefOf(ds)],
    },
    spec,
  };
}

/** True for a selector that selects everything (SelectingAll). */
function selectsAll(ds: DaemonSet): boolean {
  const sel = ds.spec?.selector;
  return !!sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

interface Claim<T> {
  claimed: T[];
  adopt: string[];
  release: string[];
}

/** BaseControllerRefManager.ClaimObject over a list: adopt matching orphans, release non-matching own objects. */
function claimObjects<T extends Meta>(ds: DaemonSet, objects: readonly T[], selector: LabelSelectorPredicate): Claim<T> {
  const out: Claim<T> = { claimed: [], adopt: [], release: [] };
  const uid = ds.metadata!.uid;
  for (const obj of objects) {
    const matches = selector.matches(obj.metadata?.labels);
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) out.claimed.push(obj);
      else out.release.push(obj.metadata!.name!);
      continue;
    }
    if (!matches || obj.metadata?.deletionTimestamp || obj.metadata?.namespace !== ds.metadata!.namespace) continue;
    out.adopt.push(obj.metadata!.name!);
    out.claimed.push(obj);
  }
  return out;
}

/** getNodesToDaemonPods: claimed pods by target node, without terminal pods already being deleted. */
function groupByNode(pods: readonly Pod[], includeDeletedTerminal: boolean): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (!includeDeletedTerminal && isTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
    const node = getTargetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list) list.push(pod);
    else out.set(node, [pod]);
  }
  return out;
}

function emptyPlan(): DaemonSetPlan {
  return {
    revisions: { adopt: [], release: [], addHashLabel: [], delete: [] },
    pods: { adopt: [], release: [], relabel: [], create: [], delete: [] },
    events: [],
    backoff: [],
  };
}

/** Writes one status in upstream's field order, omitting the omitempty fields that are zero (F11). */
function statusWireForm(s: {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: DaemonSetStatus['conditions'];
}): DaemonSetStatus {
  const out: DeepWritable<DaemonSetStatus> = {
    currentNumberScheduled: s.currentNumberScheduled,
    numberMisscheduled: s.numberMisscheduled,
    desiredNumberScheduled: s.desiredNumberScheduled,
    numberReady: s.numberReady,
  };
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.updatedNumberScheduled) out.updatedNumberScheduled = s.updatedNumberScheduled;
  if (s.numberAvailable) out.numberAvailable = s.numberAvailable;
  if (s.numberUnavailable) out.numberUnavailable = s.numberUnavailable;
  // collisionCount is a pointer upstream: 0 is kept once set.
  if (s.collisionCount !== undefined && s.collisionCount !== null) out.collisionCount = s.collisionCount;
  if (s.conditions && s.conditions.length > 0) out.conditions = structuredClone(s.conditions) as DeepWritable<DaemonSetStatus>['conditions'];
  return out;
}

/** Plans one sync of the DaemonSet; never mutates its input. */
export function planDaemonSet(input: DaemonSetPlanInput): DaemonSetPlan {
  const { ds, nodes, now } = input;
  const plan = emptyPlan();
  const meta = ds.metadata ?? {};
  if (selectsAll(ds)) {
    plan.events.push({ type: 'Warning', reason: 'SelectingAll', message: 'This daemon set is selecting all pods. A non-empty selector is required.' });
    return plan;
  }
  // A DaemonSet being deleted (foreground or orphan) is left alone, status included (E11).
  if (meta.deletionTimestamp) return plan;
  let selector: LabelSelectorPredicate;
  try {
    selector = labelSelectorFromObject(ds.spec?.selector);
  } catch {
    return plan; // upstream fails the sync on a selector it cannot parse
  }

  const revisionClaim = claimObjects(ds, input.revisions, selector);
  plan.revisions.adopt = revisionClaim.adopt;
  plan.revisions.release = revisionClaim.release;
  const podClaim = claimObjects(ds, input.pods, selector);

  const history = planHistory(ds, revisionClaim.claimed, input.revisions, podClaim.claimed);
  if ('collision' in history) {
    // snapshot() bumps collisionCount through /status and fails the sync; the write requeues it.
    plan.status = statusWireForm({ ...emptyCounters(), ...(ds.status ?? {}), collisionCount: (ds.status?.collisionCount ?? 0) + 1 });
    return plan;
  }
  const hash = history.hash;
  plan.hash = hash;
  plan.revisions.addHashLabel = history.addHashLabel;
  if (history.create) plan.revisions.create = history.create;
  if (history.renumber) plan.revisions.renumber = history.renumber;
  plan.pods.relabel = history.relabelPods;

  const verdicts = new Map<string, DaemonPodVerdict>();
  for (const node of nodes) verdicts.set(node.metadata!.name!, verdictFor(node, ds));
  const nodeToDaemonPods = groupByNode(podClaim.claimed, false);
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const requeue: number[] = [];
  const expectationsSatisfied = input.expectationsSatisfied ?? true;

  if (expectationsSatisfied) {
    plan.pods.adopt = podClaim.adopt;
    plan.pods.release = podClaim.release;
    const managed = manage(input, hash, verdicts, nodeToDaemonPods, plan, requeue);
    if (managed.creates === 0 && managed.deletes === 0 && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      rollingUpdate(input, hash, verdicts, nodeToDaemonPods, plan);
    }
    plan.revisions.delete = [...history.duplicates, ...cleanupHistory(ds, history.old, podClaim.claimed)];
  }

  const status = computeStatus(ds, nodes, verdicts, nodeToDaemonPods, hash, now);
  const current: Partial<DaemonSetStatus> = ds.status ?? {};
  const unchanged =
    (current.desiredNumberScheduled ?? 0) === status.desiredNumberScheduled &&
    (current.currentNumberScheduled ?? 0) === status.currentNumberScheduled &&
    (current.numberMisscheduled ?? 0) === status.numberMisscheduled &&
    (current.numberReady ?? 0) === status.numberReady &&
    (current.updatedNumberScheduled ?? 0) === status.updatedNumberScheduled &&
    (current.numberAvailable ?? 0) === status.numberAvailable &&
    (current.numberUnavailable ?? 0) === status.numberUnavailable &&
    (current.observedGeneration ?? 0) >= (meta.generation ?? 0);
  if (!unchanged) {
    plan.status = statusWireForm({
      ...status,
      observedGeneration: expectationsSatisfied ? meta.generation : current.observedGeneration,
      collisionCount: current.collisionCount,
      conditions: current.conditions,
    });
  }

  // Pods that are Ready but not yet available become available by the clock alone: look again then.
  if (minReadySeconds > 0) {
    for (const pod of podClaim.claimed) {
      if (pod.metadata?.deletionTimestamp || !isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) continue;
      const since = readySince(pod);
      requeue.push(since === undefined ? minReadySeconds * 1000 : since + minReadySeconds * 1000 - now.getTime() + 1);
    }
  }
  if (requeue.length > 0) plan.requeueAfterMs = Math.max(0, Math.min(...requeue));
  return plan;
}

function emptyCounters() {
  return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
}

/** manage + podsShouldBeOnNode + getUnscheduledPodsWithoutNode: fills plan.pods.create/delete. */
function manage(
  input: DaemonSetPlanInput,
  hash: string,
  verdicts: ReadonlyMap<string, DaemonPodVerdict>,
  nodeToDaemonPods: ReadonlyMap<string, Pod[]>,
  plan: DaemonSetPlan,
  requeue: number[],
): { creates: number; deletes: number } {
  const { ds, now } = input;
  const nowMs = now.getTime();
  const backoff = new Map(input.failedPodBackoff ?? []);
  const surge = allowsSurge(ds);
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const namespace = ds.metadata?.namespace ?? '';
  const creates: string[] = [];
  const deletes: PodDeletion[] = [];
  const del = (pod: Pod, node: string, reason: DeleteReason) => deletes.push({ name: pod.metadata!.name!, uid: pod.metadata?.uid, node, reason });

  for (const node of input.nodes) {
    const nodeName = node.metadata!.name!;
    const { shouldRun, shouldContinueRunning } = verdicts.get(nodeName)!;
    const daemonPods = nodeToDaemonPods.get(nodeName);
    if (shouldRun && !daemonPods) {
      creates.push(nodeName);
    } else if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const pod of daemonPods ?? []) {
        if (pod.metadata?.deletionTimestamp) continue;
        const phase = pod.status?.phase;
        if (phase !== 'Failed' && phase !== 'Succeeded') {
          running.push(pod);
          continue;
        }
        const podName = `${pod.metadata?.namespace ?? namespace}/${pod.metadata!.name}`;
        if (phase === 'Failed') {
          // The DS often fights a kubelet that keeps rejecting its pods: back off per node.
          const key = `${ds.metadata!.uid}/${ds.status?.observedGeneration ?? 0}/${nodeName}`;
          const entry = backoff.get(key);
          const expired = entry !== undefined && nowMs - entry.lastUpdateMs > FAILED_POD_BACKOFF.maxMs * 2;
          if (entry && !expired && nowMs - entry.lastUpdateMs < entry.delayMs) {
            requeue.push(entry.lastUpdateMs + entry.delayMs - nowMs);
            continue;
          }
          const next: BackoffEntry = {
            delayMs: entry && !expired ? Math.min(entry.delayMs * 2, FAILED_POD_BACKOFF.maxMs) : FAILED_POD_BACKOFF.initialMs,
            lastUpdateMs: nowMs,
          };
          backoff.set(key, next);
          plan.backoff.push([key, next]);
          plan.events.push({ type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${podName} on node ${nodeName}, will try to kill it` });
          del(pod, nodeName, 'failed');
        } else {
          plan.events.push({ type: 'Normal', reason: 'SucceededDaemonPod', message: `Found succeeded daemon pod ${podName} on node ${nodeName}, will try to delete it` });
          del(pod, nodeName, 'succeeded');
        }
      }
      if (!surge) {
        if (running.length <= 1) continue;
        // More than one daemon pod on a node without surge: keep only the oldest (E9).
        running.sort(compareDaemonPods);
        for (const pod of running.slice(1)) del(pod, nodeName, 'excess');
        continue;
      }
      if (running.length <= 1) {
        if (running.length === 0 && shouldRun) creates.push(nodeName);
        continue;
      }
      // Surging: keep the oldest old pod only while the oldest new pod is not yet available.
      running.sort(compareDaemonPods);
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      for (const pod of running) {
        const isNew = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
        if (isNew && !oldestNew) oldestNew = pod;
        else if (!isNew && !oldestOld) oldestOld = pod;
        else del(pod, nodeName, 'excess');
      }
      if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReadySeconds, now))) del(oldestOld, nodeName, 'surge');
    } else if (daemonPods) {
      for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) del(pod, nodeName, 'misscheduled');
    }
  }

  // Unscheduled pods aimed at a node that no longer exists: nobody else will ever remove them (E12).
  for (const [nodeName, pods] of nodeToDaemonPods) {
    if (verdicts.has(nodeName)) continue;
    for (const pod of pods) if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) del(pod, nodeName, 'nodeGone');
  }

  const burst = input.burstReplicas ?? BURST_REPLICAS;
  const createNodes = creates.slice(0, burst);
  plan.pods.create.push(...createNodes.map((node) => ({ node, pod: buildDaemonPod(ds, node, hash) })));
  plan.pods.delete.push(...deletes.slice(0, burst));
  return { creates: createNodes.length, deletes: Math.min(deletes.length, burst) };
}

/** findUpdatedPodsOnNode: at most one new and one old non-deleting pod, else ok=false. */
function findUpdatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  const generation = templateGeneration(ds);
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** rollingUpdate (H2–H4): old pods to delete (maxSurge 0) or nodes to surge onto (maxSurge > 0). */
function rollingUpdate(input: DaemonSetPlanInput, hash: string, verdicts: ReadonlyMap<string, DaemonPodVerdict>, nodeToDaemonPods: ReadonlyMap<string, Pod[]>, plan: DaemonSetPlan): void {
  const { ds, now } = input;
  // Without an outdated pod there is nothing to replace: every branch below needs an old pod.
  const generation = templateGeneration(ds);
  let outdated = false;
  for (const pods of nodeToDaemonPods.values()) {
    if (pods.some((pod) => !pod.metadata?.deletionTimestamp && !isPodUpdated(pod, hash, generation))) {
      outdated = true;
      break;
    }
  }
  if (!outdated) return;
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  // updatedDesiredNodeCounts: every node that should run a pod takes part, with or without one.
  const byNode = new Map(nodeToDaemonPods);
  let desired = 0;
  for (const [name, verdict] of verdicts) {
    if (!verdict.shouldRun) continue;
    desired++;
    if (!byNode.has(name)) byNode.set(name, []);
  }
  let maxUnavailable = unavailableCount(ds, desired);
  const maxSurge = surgeCount(ds, desired);
  if (maxUnavailable === undefined || maxSurge === undefined) return; // upstream fails the sync on a bad value
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1; // H4
  // Upstream walks a Go map (random order); node-name order keeps plans reproducible.
  const entries = [...byNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const available = (pod: Pod) => isPodAvailable(pod, minReadySeconds, now);
  const del = (pod: Pod, node: string, reason: DeleteReason) => plan.pods.delete.push({ name: pod.metadata!.name!, uid: pod.metadata?.uid, node, reason });

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowedReplacements: Array<[Pod, string]> = [];
    const candidates: Array<[Pod, string]> = [];
    for (const [nodeName, pods] of entries) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        numUnavailable++; // manage() sorts these nodes out first
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (!available(oldPod!)) {
        allowedReplacements.push([oldPod!, nodeName]);
        numUnavailable++;
      } else if (numUnavailable < maxUnavailable) {
        candidates.push([oldPod!, nodeName]);
      }
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    for (const [pod, node] of [...allowedReplacements, ...candidates.slice(0, remaining)]) del(pod, node, 'update');
    return;
  }

  let numSurge = 0;
  let numAvailable = 0;
  const allowedNewNodes: string[] = [];
  const candidateNewNodes: string[] = [];
  const shouldNotRun: Array<[Pod, string]> = [];
  for (const [nodeName, pods] of entries) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    const shouldRun = verdicts.get(nodeName)?.shouldRun ?? false;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun) del(oldPod, nodeName, 'update');
        else allowedNewNodes.push(nodeName); // replaced at once, outside the surge budget
      } else if (!shouldRun) {
        shouldNotRun.push([oldPod, nodeName]);
      } else if (numSurge < maxSurge) {
        candidateNewNodes.push(nodeName);
      }
    } else if (!available(newPod)) {
      numSurge++;
    } else {
      del(oldPod, nodeName, 'surge');
    }
  }
  // With surge the owner expects full availability: a pod leaving a node that no longer qualifies
  // goes only once enough pods elsewhere are available.
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
  for (const [pod, node] of shouldNotRun.slice(0, deletable)) del(pod, node, 'update');
  const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNewNodes.length);
  for (const node of [...allowedNewNodes, ...candidateNewNodes.slice(0, remaining)]) plan.pods.create.push({ node, pod: buildDaemonPod(ds, node, hash) });
}

/** cleanupHistory: live hashes include terminal pods still being deleted. */
function cleanupHistory(ds: DaemonSet, old: readonly ControllerRevision[], claimedPods: readonly Pod[]): string[] {
  const live = new Set<string>();
  for (const pod of claimedPods) {
    // getNodesToDaemonPods(includeDeletedTerminal): every claimed pod aimed at a node.
    const h = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    if (h && getTargetNodeName(pod) !== undefined) live.add(h);
  }
  return planHistoryCleanup(old, ds.spec?.revisionHistoryLimit ?? 10, live);
}

/** updateDaemonSetStatus's counters (F1–F7), over nodes, looking at each node's oldest pod. */
function computeStatus(ds: DaemonSet, nodes: readonly Node[], verdicts: ReadonlyMap<string, DaemonPodVerdict>, nodeToDaemonPods: ReadonlyMap<string, Pod[]>, hash: string, now: Date) {
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const generation = templateGeneration(ds);
  const s = { ...emptyCounters(), updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  for (const node of nodes) {
    const name = node.metadata!.name!;
    const pods = nodeToDaemonPods.get(name) ?? [];
    if (!verdicts.get(name)!.shouldRun) {
      if (pods.length > 0) s.numberMisscheduled++;
      continue;
    }
    s.desiredNumberScheduled++;
    if (pods.length === 0) continue;
    s.currentNumberScheduled++;
    const oldest = pods.length === 1 ? pods[0]! : [...pods].sort(compareDaemonPods)[0]!;
    if (isPodReady(oldest)) {
      s.numberReady++;
      if (isPodAvailable(oldest, minReadySeconds, now)) s.numberAvailable++;
    }
    if (isPodUpdated(oldest, hash, generation)) s.updatedNumberScheduled++;
  }
  s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable;
  return s;
}
