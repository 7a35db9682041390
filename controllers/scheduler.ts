// The scheduler (kube-scheduler's default profile, reduced to the filters a small cluster needs):
// binds pods without a node to the least-loaded node that passes NodeUnschedulable,
// TaintToleration, NodeAffinity, NodePorts and NodeResourcesFit, and explains a failure with
// upstream's FitError message (including the preemption part) on the PodScheduled condition and a
// FailedScheduling event. Preemption itself is not simulated: no pod is ever evicted for another.
import type {
  Container,
  Node,
  NodeSelectorTerm,
  Pod,
  PodStatus,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import type { Registry } from '../api/registry.js';
import { nodes, pods } from '../api/resources.js';
import { parseQuantity } from '../api/validation.js';
import { bindPod } from '../routes/subresources.js';
import { updatePodCondition, type PodConditionWire } from '../api/pod-conditions.js';
import { clone, jsonEqual, type KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import type { Clock } from './clock.js';
import { EventRecorder } from './events.js';
import type { Reconciler } from './runtime.js';
import { nodeSelectorTermMatches, toleratesTaint } from './daemonset/predicates.js';
import { memoized } from './memo.js';

/** The schedulerName pods get by default; the only one this scheduler serves unless told otherwise. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** The taint (and toleration) that stands for `spec.unschedulable`. */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const PODS = { group: '', resource: 'pods' };
const NODES = { group: '', resource: 'nodes' };

/** Views a stored object as a Pod (no copy: stored objects are frozen). */
export function asPod(obj: KubeObject): Pod {
  return obj as unknown as Pod;
}

/** Views a stored object as a Node (no copy: stored objects are frozen). */
export function asNode(obj: KubeObject): Node {
  return obj as unknown as Node;
}

/** True for pods in a terminal phase (Succeeded or Failed). */
export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

// ---------------------------------------------------------------------------------------------
// Taints and tolerations (k8s.io/api/core/v1 toleration.go, component-helpers)
// ---------------------------------------------------------------------------------------------

// The toleration and node-affinity rules are the DaemonSet controller's predicates: one
// implementation of upstream's component-helpers for both.
export { toleratesTaint as tolerationToleratesTaint, nodeSelectorTermMatches } from './daemonset/predicates.js';

/** TolerationsTolerateTaint: whether any toleration tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** FindMatchingUntoleratedTaint: the first taint passing the filter that no toleration tolerates. */
export function findMatchingUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter: (taint: Taint) => boolean,
): Taint | undefined {
  return (taints ?? []).find((taint) => filter(taint) && !tolerationsTolerateTaint(tolerations, taint));
}

/** The taints the scheduler must not ignore (DoNotScheduleTaintsFilterFunc). */
export function isDoNotScheduleTaint(taint: Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}

// ---------------------------------------------------------------------------------------------
// Node affinity (component-helpers/scheduling/corev1/nodeaffinity)
// ---------------------------------------------------------------------------------------------

/** Terms are ORed: at least one must match. */
export function nodeMatchesNodeSelectorTerms(node: Node, terms: readonly NodeSelectorTerm[]): boolean {
  return terms.some((term) => nodeSelectorTermMatches(term, node));
}

/** PodMatchesNodeSelectorAndAffinityTerms: nodeSelector equality plus required node affinity; preferred terms are ignored. */
export function podMatchesNodeSelectorAndAffinityTerms(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return nodeMatchesNodeSelectorTerms(node, required.nodeSelectorTerms ?? []);
}

/**
 * NodeAffinity's PreFilter: when every required term names nodes through `matchFields
 * metadata.name In`, only those nodes are candidates. Returns undefined for "all nodes".
 */
function nodeAffinityPreFilter(pod: Pod): { nodeNames?: Set<string>; rejected?: string } {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return {};
  let nodeNames: Set<string> | undefined;
  for (const term of terms) {
    let termNames: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    // A term without a node-name field lets every node through: terms are ORed.
    if (!termNames) return {};
    nodeNames = new Set([...(nodeNames ?? []), ...termNames]);
  }
  if (nodeNames && nodeNames.size === 0) return { rejected: 'pod affinity terms conflict' };
  return { nodeNames };
}

// ---------------------------------------------------------------------------------------------
// Resources (k8s.io/component-helpers/resource PodRequests, noderesources fit)
// ---------------------------------------------------------------------------------------------

/** Base units as the scheduler counts them: millicores for cpu, whole units for everything else. */
export type ResourceList = Map<string, number>;

function toUnits(name: string, quantity: unknown): number {
  if (typeof quantity !== 'string') return parseUnits(name, quantity);
  // The same few quantity strings ("4", "16Gi", "100m") are parsed for every pod and node the
  // scheduler looks at: remember them (a bounded memo of a pure function).
  const key = `${name === 'cpu' ? 'm' : 'u'}${quantity}`;
  let units = PARSED_UNITS.get(key);
  if (units === undefined) {
    units = parseUnits(name, quantity);
    if (PARSED_UNITS.size >= 4096) PARSED_UNITS.clear();
    PARSED_UNITS.set(key, units);
  }
  return units;
}

const PARSED_UNITS = new Map<string, number>();

function parseUnits(name: string, quantity: unknown): number {
  const v = parseQuantity(quantity);
  if (v === undefined) return 0;
  // Quantity.MilliValue / Value round up, so a tiny request never counts as zero.
  return name === 'cpu' ? Math.ceil(v * 1000 - 1e-9) : Math.ceil(v - 1e-9);
}

/** Parses a ResourceList (allocatable, requests) into base units. */
export function resourceList(list: Readonly<Record<string, unknown>> | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, q] of Object.entries(list ?? {})) out.set(name, toUnits(name, q));
  return out;
}

function containerRequests(c: Container): ResourceList {
  const requests = resourceList(c.resources?.requests as Record<string, unknown> | undefined);
  // Requests default to limits (SetDefaults_Pod); read them here too for pods stored before defaulting.
  for (const [name, v] of resourceList(c.resources?.limits as Record<string, unknown> | undefined)) if (!requests.has(name)) requests.set(name, v);
  return requests;
}

function addInto(into: ResourceList, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function maxInto(into: ResourceList, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, Math.max(into.get(k) ?? 0, v));
}

/**
 * PodRequests: the sum over containers and sidecars, or the largest init container (plus the
 * sidecars started before it) if that is more, plus pod overhead. Made once per stored (frozen)
 * pod, as a scheduling cycle at 5,000 nodes sums the requests of every pod on hundreds of nodes:
 * the list is shared, hence read-only.
 */
export const podRequests = memoized((pod: Pod): ReadonlyMap<string, number> => {
  const reqs: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(reqs, containerRequests(c));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      addInto(reqs, r);
      addInto(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const withSidecars = new Map(sidecars);
      addInto(withSidecars, r);
      maxInto(initMax, withSidecars);
    }
  }
  maxInto(reqs, initMax);
  addInto(reqs, resourceList(pod.spec?.overhead as Record<string, unknown> | undefined));
  return reqs;
});

/** A node's allocatable in base units, parsed once per stored node (shared, hence read-only). */
export const allocatableOf = memoized((node: Node): ReadonlyMap<string, number> => resourceList(node.status?.allocatable as Record<string, unknown> | undefined));

// schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for a container without requests.
const DEFAULT_MILLI_CPU_REQUEST = 100;
const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const nonZeroRequests = memoized((pod: Pod): { readonly cpu: number; readonly memory: number } => {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    cpu += r.has('cpu') ? r.get('cpu')! : DEFAULT_MILLI_CPU_REQUEST;
    memory += r.has('memory') ? r.get('memory')! : DEFAULT_MEMORY_REQUEST;
  }
  return { cpu, memory };
});

// ---------------------------------------------------------------------------------------------
// Filters and the FitError message
// ---------------------------------------------------------------------------------------------

/** A node and the non-terminal pods assigned to it (the scheduler cache's NodeInfo). */
export interface NodeInfo {
  node: Node;
  pods: readonly Pod[];
}

/** A filter's verdict; Unschedulable failures are the ones preemption could resolve. */
interface FilterStatus {
  code: 'Unschedulable' | 'UnschedulableAndUnresolvable';
  reasons: string[];
}

// Upstream's filter failure reasons, as they appear in FitError messages.
export const ErrReasonUnschedulable = 'node(s) were unschedulable';
export const ErrReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";

function nodeUnschedulableFilter(pod: Pod, node: Node): FilterStatus | undefined {
  if (!node.spec?.unschedulable) return undefined;
  if (tolerationsTolerateTaint(pod.spec?.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' })) return undefined;
  return { code: 'UnschedulableAndUnresolvable', reasons: [ErrReasonUnschedulable] };
}

function taintTolerationFilter(pod: Pod, node: Node): FilterStatus | undefined {
  const taint = findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint);
  if (!taint) return undefined;
  return { code: 'UnschedulableAndUnresolvable', reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`] };
}

function nodeAffinityFilter(pod: Pod, node: Node): FilterStatus | undefined {
  return podMatchesNodeSelectorAndAffinityTerms(pod, node) ? undefined : { code: 'UnschedulableAndUnresolvable', reasons: [ErrReasonNodeAffinity] };
}

interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

function nodePortsFilter(pod: Pod, info: NodeInfo): FilterStatus | undefined {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return undefined;
  const used = info.pods.flatMap(hostPorts);
  const conflict = wanted.some((w) => used.some((u) => u.port === w.port && u.protocol === w.protocol && (u.ip === w.ip || u.ip === '0.0.0.0' || w.ip === '0.0.0.0')));
  return conflict ? { code: 'Unschedulable', reasons: [ErrReasonNodePorts] } : undefined;
}

/** What a pod lacks on a node (noderesources.InsufficientResource); the units are those of toUnits (cpu in millicores). */
export interface InsufficientResource {
  resource: string;
  requested: number;
  used: number;
  capacity: number;
}

/** The resources Fits checks first, in its order; the rest follow by name. */
const FIT_ORDER = ['cpu', 'memory', 'ephemeral-storage'];

/** The resources Fits checks for a pod, in its order (per stored pod: a cycle checks it against hundreds of nodes). */
const fitOrderOf = memoized((pod: Pod): readonly string[] => [...FIT_ORDER, ...[...podRequests(pod).keys()].filter((name) => !FIT_ORDER.includes(name) && name !== 'pods').sort()]);

/**
 * noderesources.Fits: what pod lacks beside podsOnNode within allocatable (a resource it does not
 * list counts as 0): the pod count first, then cpu, memory, ephemeral storage and the rest. The
 * scheduler filters on it; the kubelet admits new pods by it.
 */
export function insufficientResources(pod: Pod, allocatable: ReadonlyMap<string, number>, podsOnNode: readonly Pod[]): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const allowedPods = allocatable.get('pods') ?? 0;
  if (podsOnNode.length + 1 > allowedPods) out.push({ resource: 'pods', requested: 1, used: podsOnNode.length, capacity: allowedPods });
  const wanted = podRequests(pod);
  if (wanted.size === 0) return out;
  const used: ResourceList = new Map();
  for (const p of podsOnNode) addInto(used, podRequests(p));
  for (const name of fitOrderOf(pod)) {
    const requested = wanted.get(name) ?? 0;
    const capacity = allocatable.get(name) ?? 0;
    const inUse = used.get(name) ?? 0;
    if (requested > 0 && requested > capacity - inUse) out.push({ resource: name, requested, used: inUse, capacity });
  }
  return out;
}

function nodeResourcesFitFilter(pod: Pod, info: NodeInfo): FilterStatus | undefined {
  const reasons = insufficientResources(pod, allocatableOf(info.node), info.pods).map((r) => (r.resource === 'pods' ? 'Too many pods' : `Insufficient ${r.resource}`));
  return reasons.length ? { code: 'Unschedulable', reasons } : undefined;
}

/** RunFilterPlugins in the default profile's order; the first failing filter decides. */
export function runFilters(pod: Pod, info: NodeInfo): FilterStatus | undefined {
  return (
    nodeUnschedulableFilter(pod, info.node) ??
    taintTolerationFilter(pod, info.node) ??
    nodeAffinityFilter(pod, info.node) ??
    nodePortsFilter(pod, info) ??
    nodeResourcesFitFilter(pod, info)
  );
}

/** FitError.Error(): `0/N nodes are available: <sorted histogram>.` plus the post-filter message. */
function fitErrorMessage(numAllNodes: number, statuses: ReadonlyMap<string, FilterStatus>, absent: FilterStatus | undefined, preFilterMsg: string, postFilterMsg: string): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const histogram = new Map<string, number>();
    for (const s of statuses.values()) for (const r of s.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
    if (absent && statuses.size < numAllNodes) for (const r of absent.reasons) histogram.set(r, (histogram.get(r) ?? 0) + numAllNodes - statuses.size);
    // Go's sort.Strings over "<count> <reason>": a plain code-unit sort, so "10 x" sorts before "2 y".
    const parts = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}

/**
 * DefaultPreemption's PostFilter message when nothing can be preempted: nodes whose failure is
 * resolvable find no victims (no lower-priority pods are simulated), the rest are not helped.
 */
function preemptionMessage(pod: Pod, numAllNodes: number, statuses: ReadonlyMap<string, FilterStatus>): string {
  if (pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const preemption = new Map<string, FilterStatus>();
  for (const [name, s] of statuses) {
    if (s.code === 'Unschedulable') preemption.set(name, { code: 'UnschedulableAndUnresolvable', reasons: ['No preemption victims found for incoming pod'] });
  }
  const notHelpful: FilterStatus = { code: 'UnschedulableAndUnresolvable', reasons: ['Preemption is not helpful for scheduling'] };
  return `preemption: ${fitErrorMessage(numAllNodes, preemption, notHelpful, '', '')}`;
}

/** Where a pod goes: a node name, or the FitError message explaining why it fits nowhere. */
export type ScheduleResult = { nodeName: string; message?: undefined } | { nodeName?: undefined; message: string };

/** Least-allocated score over cpu and memory (0..100, higher is emptier), as NodeResourcesFit's default strategy. */
function leastAllocatedScore(pod: Pod, info: NodeInfo): number {
  const allocatable = allocatableOf(info.node);
  let { cpu, memory } = nonZeroRequests(pod);
  for (const p of info.pods) {
    const r = nonZeroRequests(p);
    cpu += r.cpu;
    memory += r.memory;
  }
  const score = (req: number, cap: number) => (cap <= 0 || req > cap ? 0 : ((cap - req) * 100) / cap);
  return (score(cpu, allocatable.get('cpu') ?? 0) + score(memory, allocatable.get('memory') ?? 0)) / 2;
}

// schedule_one.go: below this many nodes every node is looked at; above, at least this many
// feasible ones are looked for, and at least this percentage of the nodes.
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * numFeasibleNodesToFind with the default (adaptive) percentageOfNodesToScore: a cycle stops
 * filtering once this many nodes fit (all of them under 100 nodes, 420 of 1,000, 500 of 5,000).
 */
export function numFeasibleNodesToFind(numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  const percentage = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125));
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.trunc((numAllNodes * percentage) / 100));
}

/** The nodes a scheduling cycle may look at, in order; the pods on one are read only if the cycle gets to it. */
export interface NodeSource {
  nodes: readonly Node[];
  podsOn(node: Node): readonly Pod[];
}

/**
 * Pure: one scheduling cycle (findNodesThatFitPod and selectHost). Filters the nodes in turn from
 * startIndex, wrapping around, until numFeasibleNodesToFind of them fit, then picks the
 * least-loaded of those (ties by name; upstream picks among ties at random). A pod whose node
 * affinity names its nodes (every DaemonSet pod) is filtered against those alone, from the first.
 * `processed` is how many nodes were looked at: where the scheduler starts its next cycle, so
 * that every node gets its turn.
 */
export function findNode(pod: Pod, source: NodeSource, startIndex = 0): { result: ScheduleResult; processed: number } {
  const all = source.nodes;
  if (all.length === 0) return { result: { message: 'no nodes available to schedule pods' }, processed: 0 };
  const statuses = new Map<string, FilterStatus>();
  const pre = nodeAffinityPreFilter(pod);
  if (pre.rejected) {
    // Every node carries the PreFilter rejection; the message shows it once.
    for (const node of all) statuses.set(node.metadata!.name!, { code: 'UnschedulableAndUnresolvable', reasons: [pre.rejected] });
    return { result: { message: fitErrorMessage(all.length, statuses, undefined, pre.rejected, preemptionMessage(pod, all.length, statuses)) }, processed: 0 };
  }
  let candidates = all;
  let start = startIndex % all.length;
  let absent: FilterStatus | undefined;
  if (pre.nodeNames) {
    candidates = all.filter((node) => pre.nodeNames!.has(node.metadata?.name ?? ''));
    absent = { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't satisfy plugin(s) [NodeAffinity]"] };
    start = 0;
  }
  const toFind = numFeasibleNodesToFind(candidates.length);
  const feasible: Array<{ name: string; score: number }> = [];
  let processed = 0;
  for (; processed < candidates.length && feasible.length < toFind; processed++) {
    const node = candidates[(start + processed) % candidates.length]!;
    const info: NodeInfo = { node, pods: source.podsOn(node) };
    const name = node.metadata?.name ?? '';
    const status = runFilters(pod, info);
    if (status) statuses.set(name, status);
    else feasible.push({ name, score: leastAllocatedScore(pod, info) });
  }
  if (feasible.length === 0) {
    return { result: { message: fitErrorMessage(all.length, statuses, absent, '', preemptionMessage(pod, all.length, statuses)) }, processed };
  }
  feasible.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { result: { nodeName: feasible[0]!.name }, processed };
}

/** Pure: one cycle over these nodes and their pods from the first (see findNode). */
export function schedulePod(pod: Pod, nodeInfos: readonly NodeInfo[]): ScheduleResult {
  const podsOn = new Map(nodeInfos.map((info) => [info.node, info.pods]));
  return findNode(pod, { nodes: nodeInfos.map((info) => info.node), podsOn: (node) => podsOn.get(node)! }).result;
}

// ---------------------------------------------------------------------------------------------
// Pod conditions
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The reconciler
// ---------------------------------------------------------------------------------------------

export interface SchedulerOptions {
  /** Pods naming this scheduler are the ones scheduled (default `default-scheduler`). */
  schedulerName?: string;
  /** Back-off after a failed attempt: doubles from the initial value up to the max (upstream 1 s and 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Retry of an unschedulable pod when nothing changes (upstream flushes unschedulable pods after 5 min). */
  unschedulableRetryMs?: number;
}

function isNotFoundOrConflict(err: unknown): boolean {
  return err instanceof StatusError && (err.code === 404 || err.code === 409);
}

/** metadata fields a write changes without changing what scheduling reads (upstream's isPodUpdated strips them). */
const IGNORED_METADATA = new Set(['resourceVersion', 'generation', 'managedFields', 'finalizers']);

/**
 * Whether two versions of a pod are the same to the scheduler: equal spec and metadata but for
 * IGNORED_METADATA. Stored objects keep unchanged subtrees, so identity mostly decides at once.
 */
function sameSchedulingInput(a: KubeObject, b: KubeObject): boolean {
  if (a.spec !== b.spec && !jsonEqual(a.spec, b.spec)) return false;
  const am = a.metadata as Record<string, unknown>;
  const bm = b.metadata as Record<string, unknown>;
  for (const k in am) if (!IGNORED_METADATA.has(k) && am[k] !== bm[k] && !jsonEqual(am[k], bm[k])) return false;
  for (const k in bm) if (!IGNORED_METADATA.has(k) && !(k in am) && bm[k] !== undefined) return false;
  return true;
}

/** Reconciles one pending pod (key `namespace/name`): binds it, or records why it fits nowhere. */
export function schedulerController(registry: Registry, clock: Clock, options: SchedulerOptions = {}): Reconciler {
  const schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const initialBackoffMs = options.initialBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const retryMs = options.unschedulableRetryMs ?? 5 * 60_000;
  // The scheduler records through the events.k8s.io API: no spam filter, no aggregation.
  const recorder = new EventRecorder(registry, clock, { component: schedulerName, correlate: false });
  // The scheduling queue's per-pod back-off: a cache of attempts, rebuilt empty after a restart.
  const backoff = new Map<string, { attempts: number; until: number }>();
  // Where the next cycle starts looking (sched.nextStartNodeIndex): past the nodes the last one looked at.
  let nextStartNodeIndex = 0;
  // Every node, in name order, kept while no node is written (the scheduler cache's node list):
  // listing 5,000 nodes for every pod was a fifth of a cycle.
  let nodeList: { writes: number; nodes: readonly Node[] } | undefined;
  const allNodes = (): readonly Node[] => {
    const writes = registry.store.writesTo(NODES);
    if (nodeList?.writes !== writes) nodeList = { writes, nodes: registry.store.list(NODES).map(asNode) };
    return nodeList.nodes;
  };

  const keyOf = (obj: KubeObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;
  const isPending = (obj: KubeObject): boolean => {
    const pod = asPod(obj);
    return (
      !pod.spec?.nodeName &&
      (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName &&
      !obj.metadata.deletionTimestamp &&
      !isPodTerminal(pod) &&
      (pod.spec?.schedulingGates ?? []).length === 0
    );
  };
  const pendingKeys = () => registry.store.byIndex(PODS, 'nodeName', '').filter(isPending).map(keyOf);
  // What scheduling reads from each node, so heartbeats (status-only writes) wake no pending pod, as
  // upstream's queueing hints skip them.
  const nodeSignatures = new Map<string, string>();
  const nodeChanged = (obj: KubeObject): boolean => {
    const name = obj.metadata.name!;
    if (!registry.store.get(NODES, undefined, name)) {
      nodeSignatures.delete(name);
      return false;
    }
    const n = asNode(obj);
    const signature = JSON.stringify([obj.metadata.uid, n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable]);
    if (nodeSignatures.get(name) === signature) return false;
    nodeSignatures.set(name, signature);
    return true;
  };
  // The last version seen of each pending pod, to compare what scheduling reads (upstream's
  // isPodUpdated: everything but status, resourceVersion, generation, managedFields and
  // finalizers; see sameSchedulingInput), so that status-only writes (this
  // scheduler's own PodScheduled condition among them) do not trigger another attempt and another
  // FailedScheduling event before anything relevant changed.
  const lastSeenPending = new Map<string, KubeObject>();
  const podChanged = (obj: KubeObject): boolean => {
    const key = keyOf(obj);
    const stored = registry.store.get(PODS, obj.metadata.namespace, obj.metadata.name!);
    // Gone or replaced: let reconcile look (and forget the pod).
    if (!stored || stored.metadata.uid !== obj.metadata.uid) return true;
    const last = lastSeenPending.get(key);
    lastSeenPending.set(key, obj);
    return !last || !sameSchedulingInput(last, obj);
  };
  // A bound pod that is gone or terminal frees room: pending pods get another chance.
  const freesResources = (obj: KubeObject): boolean => {
    if (!asPod(obj).spec?.nodeName) return false;
    const current = registry.store.get(PODS, obj.metadata.namespace, obj.metadata.name!);
    return !current || current.metadata.uid !== obj.metadata.uid || isPodTerminal(asPod(current));
  };

  async function writeScheduledCondition(obj: KubeObject, condition: PodConditionWire): Promise<void> {
    const now = clock.now();
    const probe = clone((obj.status ?? {}) as PodStatus);
    if (!updatePodCondition(probe, condition, now)) return;
    await registry.patch(pods, obj.metadata.namespace, obj.metadata.name!, (current) => {
      if (current.metadata.uid !== obj.metadata.uid) throw new StatusError(409, 'Conflict', 'the pod was replaced');
      const status = (current.status ?? {}) as PodStatus;
      updatePodCondition(status, condition, now);
      current.status = status;
      return current;
    }, { subresource: 'status' });
  }

  return {
    name: 'scheduler',
    // Decisions stay consistent with several workers: a bind applies to the store in the same
    // tick as the decision that made it, so the next decision already counts the pod. Only the
    // writes after it (condition, event) overlap, as upstream's binding cycle runs apart from the
    // scheduling cycle; many binds in flight share each group commit.
    workers: 512,
    watches: [
      {
        def: pods,
        keys: (obj) => {
          if (isPending(obj)) return podChanged(obj) ? [keyOf(obj)] : [];
          lastSeenPending.delete(keyOf(obj));
          return freesResources(obj) ? pendingKeys() : [];
        },
      },
      { def: nodes, keys: (obj) => (nodeChanged(obj) ? pendingKeys() : []) },
    ],
    initialKeys: pendingKeys,
    async reconcile(key) {
      const slash = key.indexOf('/');
      const namespace = key.slice(0, slash);
      const name = key.slice(slash + 1);
      const obj = registry.store.get(PODS, namespace, name);
      if (!obj || !isPending(obj)) {
        backoff.delete(key);
        lastSeenPending.delete(key);
        return undefined;
      }
      const now = clock.now().getTime();
      const previous = backoff.get(key);
      if (previous && now < previous.until) return { requeueAfterMs: previous.until - now };

      const podsOn = (node: Node): readonly Pod[] => registry.store.byIndex(PODS, 'nodeName', node.metadata!.name!).map(asPod).filter((p) => !isPodTerminal(p));
      // A pod pinned to named nodes (every DaemonSet pod) can only land on those: look at them
      // alone first, instead of listing every node per pod. Only when none fits are all nodes
      // looked at, for the exact "0/N nodes are available" message.
      const pinned = nodeAffinityPreFilter(asPod(obj)).nodeNames;
      let result: ScheduleResult | undefined;
      if (pinned) {
        const candidates = [...pinned].map((n) => registry.store.get(NODES, undefined, n)).filter((n) => n !== undefined).map(asNode);
        const attempt = findNode(asPod(obj), { nodes: candidates, podsOn }).result;
        if (attempt.nodeName !== undefined) result = attempt;
      }
      if (!result) {
        const all = allNodes();
        const cycle = findNode(asPod(obj), { nodes: all, podsOn }, nextStartNodeIndex);
        nextStartNodeIndex = all.length ? (nextStartNodeIndex + cycle.processed) % all.length : 0;
        result = cycle.result;
      }
      if (result.nodeName !== undefined) {
        try {
          await bindPod(registry, namespace, name, result.nodeName);
        } catch (err) {
          // Deleted, replaced or bound meanwhile: the watch brings the pod back if it still needs us.
          if (isNotFoundOrConflict(err)) return undefined;
          throw err;
        }
        backoff.delete(key);
        void recorder.record(obj, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${result.nodeName}`);
        return undefined;
      }
      const attempts = (previous?.attempts ?? 0) + 1;
      backoff.set(key, { attempts, until: now + Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempts - 1)) });
      try {
        await writeScheduledCondition(obj, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: result.message });
      } catch (err) {
        if (isNotFoundOrConflict(err)) return undefined;
        throw err;
      }
      void recorder.record(obj, 'Warning', 'FailedScheduling', result.message);
      return { requeueAfterMs: retryMs };
    },
  };
}
