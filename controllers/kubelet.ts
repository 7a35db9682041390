// The kubelet simulator, one key per node: keeps the node Ready (conditions, a heartbeat through
// node status every 40 s and the `kube-node-lease` Lease renewed every 10 s), runs the pods bound
// to it (Pending with ContainerCreating, then Running after a startup delay, with IPs from the
// node's podCIDR, conditions and container statuses as a real kubelet writes them) and finishes
// graceful deletions once their grace period is over. Containers never exit on their own, and a
// pod in a terminal phase is left alone.
import { createHash, randomFillSync } from 'node:crypto';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Container, ContainerStatus, Node, NodeCondition, NodeStatus, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Registry } from '../api/registry.js';
import { leases, nodes, pods } from '../api/resources.js';
import { buildNode } from '../server/bootstrap.js';
import { clone, jsonEqual, type KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import { formatMicroTime, formatTimestamp } from '../store/store.js';
import type { Clock } from './clock.js';
import { EventRecorder, type EventType } from './events.js';
import type { Reconciler } from './runtime.js';
import { allocatableOf, asNode, asPod, insufficientResources, isPodTerminal } from './scheduler.js';
import type { PodConditionWire } from '../api/pod-conditions.js';

/** Where node heartbeat leases live, one per node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const PODS = { group: '', resource: 'pods' };
const NODES = { group: '', resource: 'nodes' };
const LEASES = { group: 'coordination.k8s.io', resource: 'leases' };

/** An event the kubelet records about a node or a pod (fieldPath names a container). */
export interface KubeletEvent {
  type: EventType;
  reason: string;
  message: string;
  fieldPath?: string;
}

// ---------------------------------------------------------------------------------------------
// Node status and lease
// ---------------------------------------------------------------------------------------------

const NODE_CONDITIONS = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', event: 'NodeHasSufficientMemory' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', event: 'NodeHasNoDiskPressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', event: 'NodeHasSufficientPID' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', event: 'NodeReady' },
] as const;

/** A stable small number per node name, so a node registered without addresses gets its own InternalIP. */
function nodeIndex(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % 62_500;
}

/** Fills what a kubelet always reports (capacity, allocatable, addresses, nodeInfo, endpoint) when missing; mutates status. */
function fillRegisteredStatus(name: string, status: NodeStatus): boolean {
  // Built only when something is missing: this runs on every sync of the node.
  let built: NodeStatus | undefined;
  const template = (): NodeStatus => (built ??= buildNode(name, nodeIndex(name)).status as NodeStatus);
  let changed = false;
  if (Object.keys(status.capacity ?? {}).length === 0) {
    status.capacity = template().capacity;
    changed = true;
  }
  if (Object.keys(status.allocatable ?? {}).length === 0) {
    status.allocatable = clone(status.capacity);
    changed = true;
  }
  if ((status.addresses ?? []).length === 0) {
    status.addresses = template().addresses;
    changed = true;
  }
  if (!status.nodeInfo?.kubeletVersion) {
    status.nodeInfo = template().nodeInfo;
    changed = true;
  }
  if (!status.daemonEndpoints?.kubeletEndpoint?.Port) {
    status.daemonEndpoints = template().daemonEndpoints;
    changed = true;
  }
  return changed;
}

/** The Ready condition a kubelet reports when it is not ready (setters.ReadyCondition's error case). */
export interface NodeNotReady {
  reason: string;
  message: string;
}

export interface NodeStatusPlan {
  /** The status to write, when it changed or the heartbeat is due. */
  status?: NodeStatus;
  events: KubeletEvent[];
  requeueAfterMs: number;
}

/**
 * Pure: the kubelet's node status (setters plus tryUpdateNodeStatus): its four conditions (Ready
 * False with notReady's reason and message when given), a heartbeat every reportIntervalMs,
 * events on condition transitions.
 */
export function planNodeStatus(node: Node, now: Date, reportIntervalMs: number, notReady?: NodeNotReady): NodeStatusPlan {
  const name = node.metadata?.name ?? '';
  // A shallow copy: everything below replaces status fields, never edits them, and this runs on
  // every sync of the node (most of them write nothing).
  const status = { ...(node.status ?? {}) } as NodeStatus;
  const nowText = formatTimestamp(now);
  const conditions: NodeCondition[] = [...(status.conditions ?? [])];
  const events: KubeletEvent[] = [];
  let changed = fillRegisteredStatus(name, status);
  const wanted = notReady
    ? NODE_CONDITIONS.map((c) => (c.type === 'Ready' ? { type: c.type, status: 'False', reason: notReady.reason, message: notReady.message, event: 'NodeNotReady' } : c))
    : NODE_CONDITIONS;
  for (const want of wanted) {
    const i = conditions.findIndex((c) => c.type === want.type);
    const old = i >= 0 ? conditions[i] : undefined;
    if (old && old.status === want.status && old.reason === want.reason && old.message === want.message) continue;
    changed = true;
    if (old?.status !== want.status) events.push({ type: 'Normal', reason: want.event, message: `Node ${name} status is now: ${want.event}` });
    const next: NodeCondition = {
      type: want.type,
      status: want.status,
      lastHeartbeatTime: nowText,
      lastTransitionTime: old && old.status === want.status && old.lastTransitionTime ? old.lastTransitionTime : nowText,
      reason: want.reason,
      message: want.message,
    };
    if (old) conditions[i] = next;
    else conditions.push(next);
  }
  const lastBeat = Date.parse(conditions.find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '');
  const heartbeatDue = Number.isNaN(lastBeat) || now.getTime() - lastBeat >= reportIntervalMs;
  if (!changed && !heartbeatDue) return { events, requeueAfterMs: lastBeat + reportIntervalMs - now.getTime() };
  const managed = new Set<string>(NODE_CONDITIONS.map((c) => c.type));
  status.conditions = conditions.map((c) => (managed.has(c.type) ? { ...c, lastHeartbeatTime: nowText } : c));
  return { status, events, requeueAfterMs: reportIntervalMs };
}

export interface NodeLeasePlan {
  /** The lease to create (when missing) or to store (when a renewal is due or it drifted). */
  lease?: Lease;
  create?: boolean;
  requeueAfterMs: number;
}

/** Pure: the node lease controller's renewal: holder = node, owner reference to the node. */
export function planNodeLease(lease: Lease | undefined, node: Node, now: Date, renewIntervalMs: number, leaseDurationSeconds: number): NodeLeasePlan {
  const name = node.metadata?.name ?? '';
  const owner = { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' };
  const renewTime = formatMicroTime(now);
  if (!lease) {
    return {
      create: true,
      lease: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [owner] },
        spec: { holderIdentity: name, leaseDurationSeconds, renewTime },
      },
      requeueAfterMs: renewIntervalMs,
    };
  }
  const last = Date.parse(lease.spec?.renewTime ?? '');
  const due = Number.isNaN(last) || now.getTime() - last >= renewIntervalMs;
  const ownerOk = (lease.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Node' && r.name === name && r.uid === owner.uid);
  const drifted = lease.spec?.holderIdentity !== name || lease.spec?.leaseDurationSeconds !== leaseDurationSeconds || !ownerOk;
  if (!due && !drifted) return { requeueAfterMs: last + renewIntervalMs - now.getTime() };
  const next = clone(lease);
  next.spec = { ...next.spec, holderIdentity: name, leaseDurationSeconds, renewTime };
  if (!ownerOk) next.metadata = { ...next.metadata, ownerReferences: [owner] };
  return { lease: next, requeueAfterMs: renewIntervalMs };
}

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

// containerd's default bridge network, for nodes that have no podCIDR.
const FALLBACK_POD_CIDR = '10.88.0.0/16';

/** The lowest free address of an IPv4 CIDR, skipping the network address and the gateway (.1) as host-local IPAM does. */
export function allocatePodIP(cidr: string | undefined, used: ReadonlySet<string>): string | undefined {
  const [base, bitsText] = (cidr || FALLBACK_POD_CIDR).split('/');
  const start = ipToInt(base ?? '');
  const bits = Number(bitsText);
  if (start === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) return undefined;
  const size = 2 ** (32 - bits);
  const network = start - (start % size);
  for (let offset = 2; offset < size - 1; offset++) {
    const ip = intToIp(network + offset);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

/** The reference containerd reports for an image: registry and tag made explicit (`nginx` → `docker.io/library/nginx:latest`). */
export function normalizeImage(image: string): string {
  const at = image.indexOf('@');
  let name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at) : '';
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) name = `docker.io/${slash >= 0 ? '' : 'library/'}${name}`;
  else if (first === 'docker.io' && !name.slice(slash + 1).includes('/')) name = `docker.io/library/${name.slice(slash + 1)}`;
  if (digest) return name + digest;
  return name.slice(name.lastIndexOf('/')).includes(':') ? name : `${name}:latest`;
}

/** Digests by image text: every started container reports its image's digest, and a cluster runs few images. */
const IMAGE_DIGESTS = new Map<string, string>();

function imageDigest(image: string): string {
  let digest = IMAGE_DIGESTS.get(image);
  if (digest === undefined) {
    digest = createHash('sha256').update(normalizeImage(image)).digest('hex');
    if (IMAGE_DIGESTS.size >= 1024) IMAGE_DIGESTS.clear();
    IMAGE_DIGESTS.set(image, digest);
  }
  return digest;
}

/** The imageID a runtime reports: `repository@sha256:<digest>`. */
export function imageIDOf(image: string): string {
  const normalized = normalizeImage(image);
  if (normalized.includes('@')) return normalized;
  return `${normalized.slice(0, normalized.lastIndexOf(':'))}@sha256:${imageDigest(image)}`;
}

function imageSize(image: string): number {
  return 10_000_000 + (Number.parseInt(imageDigest(image).slice(0, 8), 16) % 90_000_000);
}

/** Go's time.Duration String for whole milliseconds (`500ms`, `1.5s`, `2m3s`). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const s = `${seconds.toFixed(3).replace(/\.?0+$/, '')}s`;
  return minutes > 0 ? `${minutes}m${s}` : s;
}

export interface PodRuntimeContext {
  node: Node;
  now: Date;
  /** How long a pod stays ContainerCreating. */
  startupDelayMs: number;
  /** How long a container takes to exit after SIGTERM. */
  stopDelayMs: number;
  /** When this kubelet started creating the pod (ms), if it remembers; else status.startTime is used. */
  creatingSince?: number;
  /** Hands out the pod's IP from the node's range (called at most once per plan). */
  allocatePodIP(): string | undefined;
  newContainerID(): string;
  /** Whether the node already holds the image (IfNotPresent pulls are skipped then). */
  imagePresent(image: string): boolean;
  /** Containers of this pod whose image pull this kubelet started. */
  pulling: ReadonlySet<string>;
  /** Whether the Killing events of a terminating pod were already recorded. */
  killingRecorded: boolean;
}

export interface PodPlan {
  /** The new pod status, only when it differs from the stored one. */
  status?: PodStatus;
  /** The grace period is over: remove the pod (grace 0, uid precondition). */
  delete?: boolean;
  events: KubeletEvent[];
  /** Containers whose image pull starts now. */
  pulls?: string[];
  /** Images now present on the node. */
  pulled?: string[];
  requeueAfterMs?: number;
}

/** A pod the kubelet has not admitted yet: new to it (no start time), not finished, not being deleted. */
export function awaitingAdmission(pod: Pod): boolean {
  return !pod.status?.startTime && !pod.metadata?.deletionTimestamp && !isPodTerminal(pod);
}

/**
 * The kubelet's admission of a new pod (lifecycle.predicateAdmitHandler, its resource part): the
 * pod must fit the node's allocatable beside the pods already admitted (noderesources.Fits); the
 * first shortfall names the rejection, as an InsufficientResourceError does. A resource the node
 * does not list is not checked (upstream drops extended resources the node does not know of), so
 * a node without allocatable admits every pod. Undefined: admitted.
 */
export function admissionFailure(pod: Pod, node: Node, admitted: readonly Pod[]): { reason: string; message: string } | undefined {
  const allocatable = allocatableOf(node);
  const first = insufficientResources(pod, allocatable, admitted).find((r) => allocatable.has(r.resource));
  if (!first) return undefined;
  return {
    reason: `OutOf${first.resource}`,
    message: `Node didn't have enough resource: ${first.resource}, requested: ${first.requested}, used: ${first.used}, capacity: ${first.capacity}`,
  };
}

/** rejectPod: the pod fails with the admission's reason, and a Warning event says why. */
export function rejectionPlan(pod: Pod, failure: { reason: string; message: string }, now: Date): PodPlan {
  const status: PodStatus = {
    ...(pod.status ?? {}),
    phase: 'Failed',
    reason: failure.reason,
    message: `Pod was rejected: ${failure.message}`,
    startTime: pod.status?.startTime ?? formatTimestamp(now),
  };
  return { status, events: [{ type: 'Warning', reason: failure.reason, message: failure.message }] };
}

export interface PodState {
  sandboxReady: boolean;
  initialized: boolean;
  containersReady: boolean;
}

export function fieldPath(list: 'containers' | 'initContainers', name: string): string {
  return `spec.${list}{${name}}`;
}

/** The conditions the kubelet sets, in its order. */
const KUBELET_POD_CONDITIONS: ReadonlySet<string> = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/**
 * Desired kubelet conditions in the kubelet's order; other conditions (DisruptionTarget, gates)
 * are kept after them. Every plan of every pod makes these: built directly, without spreads.
 */
export function podConditions(pod: Pod, state: PodState, now: Date): PodConditionWire[] {
  const old = (pod.status?.conditions ?? []) as PodConditionWire[];
  let nowText: string | undefined;
  const condition = (type: string, ok: boolean, reason?: string, message?: () => string): PodConditionWire => {
    const status = ok ? 'True' : 'False';
    let since: string | undefined;
    for (const o of old) {
      if (o.type !== type) continue;
      if (o.status === status && o.lastTransitionTime) since = o.lastTransitionTime;
      break;
    }
    since ??= nowText ??= formatTimestamp(now);
    return ok || reason === undefined
      ? { type, status, lastProbeTime: null, lastTransitionTime: since }
      : { type, status, reason, message: message!(), lastProbeTime: null, lastTransitionTime: since };
  };
  const unready = () => `containers with unready status: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]`;
  const incomplete = () => `containers with incomplete status: [${(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => c.name).join(' ')}]`;
  const conditions = [
    condition('PodReadyToStartContainers', state.sandboxReady),
    condition('Initialized', state.initialized, 'ContainersNotInitialized', incomplete),
    condition('Ready', state.containersReady, 'ContainersNotReady', unready),
    condition('ContainersReady', state.containersReady, 'ContainersNotReady', unready),
    condition('PodScheduled', true),
  ];
  for (const o of old) if (!KUBELET_POD_CONDITIONS.has(o.type)) conditions.push(o);
  return conditions;
}

function waitingStatus(c: Container, reason: string): ContainerStatus {
  return { name: c.name, image: c.image ?? '', imageID: '', lastState: {}, ready: false, restartCount: 0, started: false, state: { waiting: { reason } } };
}

export function runningStatus(c: Container, containerID: string, startedAt: string, restartCount = 0, lastState: ContainerStatus['lastState'] = {}): ContainerStatus {
  return {
    containerID,
    image: normalizeImage(c.image ?? ''),
    imageID: imageIDOf(c.image ?? ''),
    lastState,
    name: c.name,
    ready: true,
    restartCount,
    started: true,
    state: { running: { startedAt } },
  };
}

function completedStatus(c: Container, containerID: string, at: string): ContainerStatus {
  return {
    containerID,
    image: normalizeImage(c.image ?? ''),
    imageID: imageIDOf(c.image ?? ''),
    lastState: {},
    name: c.name,
    ready: true,
    restartCount: 0,
    started: false,
    state: { terminated: { containerID, exitCode: 0, finishedAt: at, reason: 'Completed', startedAt: at } },
  };
}

function needsPull(c: Container, ctx: PodRuntimeContext): boolean {
  if (c.imagePullPolicy === 'Never') return false;
  return c.imagePullPolicy === 'Always' || !ctx.imagePresent(normalizeImage(c.image ?? ''));
}

function hostIPOf(node: Node): string | undefined {
  const addresses = node.status?.addresses ?? [];
  return (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a.address)))?.address;
}

/** Pulled, Created and Started for one container, as kuberuntime records them. */
export function startEvents(c: Container, list: 'containers' | 'initContainers', pulledAfterMs: number | undefined): KubeletEvent[] {
  const path = fieldPath(list, c.name);
  const pulled =
    pulledAfterMs === undefined
      ? `Container image ${JSON.stringify(c.image ?? '')} already present on machine`
      : `Successfully pulled image ${JSON.stringify(c.image ?? '')} in ${goDuration(pulledAfterMs)} (${goDuration(pulledAfterMs)} including waiting). Image size: ${imageSize(c.image ?? '')} bytes.`;
  return [
    { type: 'Normal', reason: 'Pulled', message: pulled, fieldPath: path },
    { type: 'Normal', reason: 'Created', message: `Created container ${c.name}`, fieldPath: path },
    { type: 'Normal', reason: 'Started', message: `Started container ${c.name}`, fieldPath: path },
  ];
}

/** Pure: the next step of one pod bound to this node (syncPod reduced to what can be observed). */
export function planPod(pod: Pod, ctx: PodRuntimeContext): PodPlan {
  const status = (pod.status ?? {}) as PodStatus;
  const now = ctx.now.getTime();
  const nowText = formatTimestamp(ctx.now);
  const containers = pod.spec?.containers ?? [];
  const initContainers = pod.spec?.initContainers ?? [];

  if (pod.metadata?.deletionTimestamp) {
    const events: KubeletEvent[] = [];
    if (!ctx.killingRecorded) {
      for (const s of status.containerStatuses ?? []) {
        if (s.state?.running) events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${s.name}`, fieldPath: fieldPath('containers', s.name) });
      }
    }
    // Simulated containers exit stopDelayMs after SIGTERM, as well-behaved processes do; the grace
    // period bounds it (a container that ignored SIGTERM would be killed at the deadline).
    const graceDeadline = Date.parse(pod.metadata.deletionTimestamp);
    const sigterm = graceDeadline - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    const deadline = Math.min(graceDeadline, sigterm + ctx.stopDelayMs);
    if (Number.isNaN(deadline) || now >= deadline) return { delete: true, events };
    return { events, requeueAfterMs: deadline - now };
  }
  if (isPodTerminal(pod)) return { events: [] };

  const hostIP = hostIPOf(ctx.node);
  const hostIPs = hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {};
  const write = (next: PodStatus, rest: Omit<PodPlan, 'status'>): PodPlan => (jsonEqual(next, status) ? rest : { ...rest, status: next });

  // Admitted but not started: the sandbox and containers are being created.
  if (!status.startTime || ((status.phase ?? 'Pending') === 'Pending' && !status.containerStatuses)) {
    const pulls = [...initContainers, ...containers].filter((c) => needsPull(c, ctx));
    const events: KubeletEvent[] = pulls.map((c) => ({
      type: 'Normal',
      reason: 'Pulling',
      message: `Pulling image ${JSON.stringify(c.image ?? '')}`,
      fieldPath: fieldPath(initContainers.includes(c) ? 'initContainers' : 'containers', c.name),
    }));
    const hasInit = initContainers.some((c) => c.restartPolicy !== 'Always');
    const next: PodStatus = {
      ...status,
      phase: 'Pending',
      conditions: podConditions(pod, { sandboxReady: false, initialized: !hasInit, containersReady: false }, ctx.now) as PodStatus['conditions'],
      ...hostIPs,
      startTime: status.startTime ?? nowText,
      containerStatuses: containers.map((c) => waitingStatus(c, hasInit ? 'PodInitializing' : 'ContainerCreating')),
    };
    if (initContainers.length) next.initContainerStatuses = initContainers.map((c) => waitingStatus(c, 'PodInitializing'));
    return write(next, { events, pulls: pulls.map((c) => c.name), requeueAfterMs: ctx.startupDelayMs });
  }

  if ((status.phase ?? 'Pending') === 'Pending') {
    const since = ctx.creatingSince ?? Date.parse(status.startTime);
    const readyAt = since + ctx.startupDelayMs;
    if (now < readyAt) return { events: [], requeueAfterMs: readyAt - now };
    const podIP = pod.spec?.hostNetwork ? hostIP : ctx.allocatePodIP();
    if (!podIP) {
      return {
        events: [{ type: 'Warning', reason: 'FailedCreatePodSandBox', message: 'Failed to create pod sandbox: failed to allocate for range 0: no IP addresses available in range set' }],
        requeueAfterMs: 10_000,
      };
    }
    const events: KubeletEvent[] = [];
    const pulled: string[] = [];
    const statusOf = (c: Container, list: 'containers' | 'initContainers'): ContainerStatus => {
      const pulledAfter = ctx.pulling.has(c.name) ? Math.max(0, now - since) : undefined;
      events.push(...startEvents(c, list, pulledAfter));
      pulled.push(normalizeImage(c.image ?? ''));
      const id = `containerd://${ctx.newContainerID()}`;
      return list === 'initContainers' && c.restartPolicy !== 'Always' ? completedStatus(c, id, nowText) : runningStatus(c, id, nowText);
    };
    const next: PodStatus = {
      ...status,
      phase: 'Running',
      conditions: podConditions(pod, { sandboxReady: true, initialized: true, containersReady: true }, ctx.now) as PodStatus['conditions'],
      ...hostIPs,
      podIP,
      podIPs: [{ ip: podIP }],
    };
    if (initContainers.length) next.initContainerStatuses = initContainers.map((c) => statusOf(c, 'initContainers'));
    next.containerStatuses = containers.map((c) => statusOf(c, 'containers'));
    return write(next, { events, pulled });
  }

  // Running: keep conditions True (the node lifecycle controller may have marked the pod not
  // ready while this kubelet was stopped) and restart containers whose image was changed.
  // A stored (frozen) pod found in order on this host before is still in order: every sync of the
  // node (each heartbeat, each write of its pods) re-plans it.
  if (Object.isFrozen(pod) && settledRunningPods.get(pod) === (hostIP ?? '')) return { events: [] };
  const events: KubeletEvent[] = [];
  const pulled: string[] = [];
  const containerStatuses = containers.map((c) => {
    const old = (status.containerStatuses ?? []).find((s) => s.name === c.name);
    if (old?.state?.running && old.image === normalizeImage(c.image ?? '')) return old;
    const path = fieldPath('containers', c.name);
    if (old?.state?.running) events.push({ type: 'Normal', reason: 'Killing', message: `Container ${c.name} definition changed, will be restarted`, fieldPath: path });
    const pulls = needsPull(c, ctx);
    if (pulls) events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image ${JSON.stringify(c.image ?? '')}`, fieldPath: path });
    events.push(...startEvents(c, 'containers', pulls ? 0 : undefined));
    pulled.push(normalizeImage(c.image ?? ''));
    const lastState = old?.state?.running
      ? { terminated: { containerID: old.containerID, exitCode: 0, finishedAt: nowText, reason: 'Completed', startedAt: old.state.running.startedAt } }
      : {};
    return runningStatus(c, `containerd://${ctx.newContainerID()}`, nowText, old ? old.restartCount + (old.state?.running ? 1 : 0) : 0, lastState);
  });
  const podIP = status.podIP ?? (pod.spec?.hostNetwork ? hostIP : ctx.allocatePodIP());
  const next: PodStatus = {
    ...status,
    conditions: podConditions(pod, { sandboxReady: true, initialized: true, containersReady: true }, ctx.now) as PodStatus['conditions'],
    ...hostIPs,
    ...(podIP ? { podIP, podIPs: status.podIPs ?? [{ ip: podIP }] } : {}),
    containerStatuses,
  };
  const plan = write(next, { events, pulled });
  // Nothing to do depends only on the pod and its host here (time, IPs and images matter only to a change).
  if (!plan.status && events.length === 0 && Object.isFrozen(pod)) settledRunningPods.set(pod, hostIP ?? '');
  return plan;
}

/**
 * The planner's plans for a pod until one does not ask to be looked at again at once, as one plan:
 * one status write (the last), every step's events in order. The kubelet's status manager posts
 * only the latest status, so a pod that starts without delay goes from no status to Running (or
 * to whatever its stage makes of the start) in one write, never seen ContainerCreating.
 */
export function planUntilSettled(planner: (pod: Pod, ctx: PodRuntimeContext) => PodPlan, pod: Pod, ctx: PodRuntimeContext): PodPlan {
  let plan = planner(pod, ctx);
  // The context in which the pod is planned once this plan's status is written.
  const contextAfter = (written: PodPlan): PodRuntimeContext => {
    const pulls = written.pulls ?? [];
    return { ...ctx, creatingSince: ctx.creatingSince ?? ctx.now.getTime(), pulling: pulls.length ? new Set(pulls) : ctx.pulling };
  };
  // Two more steps at most: a start is two (created, then started); a bound guards against a planner that always asks again.
  for (let step = 0; step < 2 && plan.requeueAfterMs === 0 && plan.status && !plan.delete; step++) {
    const pulls = plan.pulls ?? [];
    const next = planner({ ...pod, status: plan.status }, contextAfter(plan));
    if (next.delete) break;
    plan = {
      ...next,
      status: next.status ?? plan.status,
      events: [...plan.events, ...next.events],
      ...(plan.pulls || next.pulls ? { pulls: [...pulls, ...(next.pulls ?? [])] } : {}),
      ...(plan.pulled || next.pulled ? { pulled: [...(plan.pulled ?? []), ...(next.pulled ?? [])] } : {}),
    };
  }
  // The watch event of this status wakes nobody (the kubelet's isEchoOfOwnWrite), so a plan that
  // writes one without asking to be looked at again must say now when the pod as written is due:
  // a Running write says nothing, and a stage's failure after so long is planned only once the pod
  // runs. The look is only for its timing, so it hands out no IP and changes nothing; if it would
  // do anything at once, the pod is looked at again at once, as the event used to make it.
  if (plan.status && !plan.delete && plan.requeueAfterMs === undefined) {
    const next = planner({ ...pod, status: plan.status }, { ...contextAfter(plan), allocatePodIP: () => undefined, newContainerID: () => '' });
    if (next.status || next.delete || next.events.length) plan = { ...plan, requeueAfterMs: 0 };
    else if (next.requeueAfterMs !== undefined) plan = { ...plan, requeueAfterMs: next.requeueAfterMs };
  }
  return plan;
}

/** Running pods (stored, so frozen: a write replaces the object) whose plan was nothing, with the host IP it was planned on. */
const settledRunningPods = new WeakMap<Pod, string>();

// ---------------------------------------------------------------------------------------------
// The reconciler
// ---------------------------------------------------------------------------------------------

export interface KubeletOptions {
  /** How long a bound pod stays ContainerCreating before it runs (default 500 ms; keep it non-zero so clients see Pending). */
  podStartupDelayMs?: number;
  /** How long simulated containers take to exit after SIGTERM (default 1 s; the grace period caps it). */
  containerStopDelayMs?: number;
  /** A stopped node's kubelet does nothing: no heartbeats, no pod progress, no deletions. */
  isStopped?: (nodeName: string) => boolean;
  /** While stopped, how often to look whether the kubelet was started again (default 1 s). */
  stoppedPollMs?: number;
  /** More watches whose events wake a node's kubelet at once (the NodeControl that stops and starts it). */
  wakeOn?: Reconciler['watches'];
  /** Plans each pod's next step (default planPod; kubemock.dev PodStages wrap it). */
  podPlanner?: (pod: Pod, ctx: PodRuntimeContext) => PodPlan;
  /** Node status heartbeat (default 40 s). */
  nodeStatusReportMs?: number;
  /** Plans the node's status (default planNodeStatus; kubemock.dev NodeStages wrap it). */
  nodeStatusPlanner?: (node: Node, now: Date, reportIntervalMs: number) => NodeStatusPlan;
  /** Lease renewal (default 10 s) and its duration (default 40 s). */
  leaseRenewMs?: number;
  leaseDurationSeconds?: number;
  /** Container IDs (hex); random by default. */
  newContainerID?: () => string;
}

/** Random bytes for container IDs, filled 128 IDs at a time: one crypto call per container cost more than the rest of its start. */
const CONTAINER_ID_POOL = Buffer.alloc(32 * 128);
let containerIDPoolAt = CONTAINER_ID_POOL.length;

/** A containerd container ID: 64 random hex digits. */
function randomContainerID(): string {
  if (containerIDPoolAt >= CONTAINER_ID_POOL.length) {
    randomFillSync(CONTAINER_ID_POOL);
    containerIDPoolAt = 0;
  }
  const id = CONTAINER_ID_POOL.toString('hex', containerIDPoolAt, containerIDPoolAt + 32);
  containerIDPoolAt += 32;
  return id;
}

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409;
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

/** What a kubelet keeps in memory about one node's pods (lost on restart, which only affects events). */
interface NodeMemory {
  images: Set<string>;
  creatingSince: Map<string, number>;
  pulling: Map<string, Set<string>>;
  killed: Set<string>;
  /** Per pod uid, the status write in flight and the pod it was planned from, until its watch event comes back (see isEchoOfOwnWrite). */
  written: Map<string, WrittenStatus>;
}

/** A status the kubelet wrote, with what it was planned from: what upstream's pod config compares (podsDifferSemantically). */
interface WrittenStatus {
  status: PodStatus;
  spec: unknown;
  labels: unknown;
  annotations: unknown;
  deletionTimestamp: string | undefined;
  deletionGracePeriodSeconds: number | undefined;
}

function writtenStatus(obj: KubeObject, status: PodStatus): WrittenStatus {
  const meta = obj.metadata;
  return { status, spec: obj.spec, labels: meta.labels, annotations: meta.annotations, deletionTimestamp: meta.deletionTimestamp, deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds };
}

/** The pod as the kubelet planned it, with the status it wrote: stored objects keep unchanged subtrees, so identity decides. */
function matchesWritten(obj: KubeObject, written: WrittenStatus): boolean {
  const meta = obj.metadata;
  return (
    obj.spec === written.spec &&
    meta.labels === written.labels &&
    meta.annotations === written.annotations &&
    meta.deletionTimestamp === written.deletionTimestamp &&
    meta.deletionGracePeriodSeconds === written.deletionGracePeriodSeconds &&
    (obj.status === written.status || jsonEqual(obj.status, written.status))
  );
}

/** Reconciles one node (key = node name): node status, lease and every pod bound to it. */
export function kubeletController(registry: Registry, clock: Clock, options: KubeletOptions = {}): Reconciler {
  const startupDelayMs = options.podStartupDelayMs ?? 500;
  const stopDelayMs = options.containerStopDelayMs ?? 1000;
  const reportMs = options.nodeStatusReportMs ?? 40_000;
  const nodeStatusPlanner = options.nodeStatusPlanner ?? planNodeStatus;
  const renewMs = options.leaseRenewMs ?? 10_000;
  const leaseDurationSeconds = options.leaseDurationSeconds ?? 40;
  const stoppedPollMs = options.stoppedPollMs ?? 1000;
  const isStopped = options.isStopped ?? (() => false);
  const podPlanner = options.podPlanner ?? planPod;
  const newContainerID = options.newContainerID ?? randomContainerID;
  const recorders = new Map<string, EventRecorder>();
  const memory = new Map<string, NodeMemory>();

  const recorderFor = (nodeName: string) => {
    let r = recorders.get(nodeName);
    if (!r) recorders.set(nodeName, (r = new EventRecorder(registry, clock, { component: 'kubelet', host: nodeName })));
    return r;
  };
  const memoryFor = (nodeName: string) => {
    let m = memory.get(nodeName);
    if (!m) memory.set(nodeName, (m = { images: new Set(), creatingSince: new Map(), pulling: new Map(), killed: new Set(), written: new Map() }));
    return m;
  };

  // The sync steps return absolute deadlines, so time passing during a reconcile does not stretch a requeue.
  async function syncNodeStatus(node: KubeObject): Promise<number> {
    const now = clock.now();
    const plan = nodeStatusPlanner(asNode(node), now, reportMs);
    if (plan.status) {
      await registry.patch(nodes, undefined, node.metadata.name!, (current) => {
        current.metadata.resourceVersion = node.metadata.resourceVersion;
        current.status = plan.status;
        return current;
      }, { subresource: 'status' });
    }
    for (const e of plan.events) void recorderFor(node.metadata.name!).record(node, e.type, e.reason, e.message, { nodeAsUid: true });
    return now.getTime() + plan.requeueAfterMs;
  }

  async function syncLease(node: KubeObject): Promise<number> {
    const name = node.metadata.name!;
    const current = registry.store.get(LEASES, NODE_LEASE_NAMESPACE, name);
    const now = clock.now();
    const plan = planNodeLease(current as Lease | undefined, asNode(node), now, renewMs, leaseDurationSeconds);
    if (!plan.lease) return now.getTime() + plan.requeueAfterMs;
    if (plan.create) {
      try {
        await registry.create(leases, NODE_LEASE_NAMESPACE, plan.lease);
      } catch (err) {
        if (!(err instanceof StatusError) || err.reason !== 'AlreadyExists') throw err;
        return now.getTime();
      }
    } else {
      const next = plan.lease as unknown as KubeObject;
      await registry.patch(leases, NODE_LEASE_NAMESPACE, name, (obj) => {
        obj.metadata.resourceVersion = current!.metadata.resourceVersion;
        obj.metadata.ownerReferences = next.metadata.ownerReferences;
        obj.spec = next.spec;
        return obj;
      });
    }
    return now.getTime() + plan.requeueAfterMs;
  }

  /**
   * The watch event of a status this kubelet just wrote, on a pod otherwise as it planned it: the
   * sync that wrote it already looked at the pod and asked to be called back when it is due, so
   * the event wakes nobody. Upstream's pod config likewise starts no pod sync on a change of
   * status alone (checkAndUpdatePod). Anyone else's change, and the pod's deletion, still wake it.
   */
  function isEchoOfOwnWrite(nodeName: string, obj: KubeObject): boolean {
    const written = memory.get(nodeName)?.written;
    const uid = obj.metadata.uid!;
    const mine = written?.get(uid);
    if (!mine || !matchesWritten(obj, mine)) return false;
    written!.delete(uid);
    return registry.store.get(PODS, obj.metadata.namespace, obj.metadata.name!)?.metadata.uid === uid;
  }

  async function syncPods(node: KubeObject): Promise<number> {
    const nodeName = node.metadata.name!;
    const mem = memoryFor(nodeName);
    const bound = registry.store.byIndex(PODS, 'nodeName', nodeName).sort(byCreation);
    const live = new Set(bound.map((p) => p.metadata.uid!));
    for (const uid of mem.creatingSince.keys()) if (!live.has(uid)) mem.creatingSince.delete(uid);
    for (const uid of mem.pulling.keys()) if (!live.has(uid)) mem.pulling.delete(uid);
    for (const uid of mem.killed) if (!live.has(uid)) mem.killed.delete(uid);
    for (const uid of mem.written.keys()) if (!live.has(uid)) mem.written.delete(uid);
    const usedIPs = new Set<string>();
    // Pods the kubelet admitted earlier and runs (or is starting): a new pod must fit beside them.
    const admitted: Pod[] = [];
    for (const p of bound.map(asPod)) {
      if (isPodTerminal(p)) continue;
      if (!p.spec?.hostNetwork && p.status?.podIP) usedIPs.add(p.status.podIP);
      if (p.status?.startTime) admitted.push(p);
    }

    let deadline = Infinity;
    for (const obj of bound) {
      const uid = obj.metadata.uid!;
      const now = clock.now();
      const ctx: PodRuntimeContext = {
        node: asNode(node),
        now,
        startupDelayMs,
        stopDelayMs,
        creatingSince: mem.creatingSince.get(uid),
        allocatePodIP: () => {
          const ip = allocatePodIP(asNode(node).spec?.podCIDR, usedIPs);
          if (ip) usedIPs.add(ip);
          return ip;
        },
        newContainerID,
        imagePresent: (image) => mem.images.has(image),
        pulling: mem.pulling.get(uid) ?? new Set(),
        killingRecorded: mem.killed.has(uid),
      };
      const pod = asPod(obj);
      let rejected: ReturnType<typeof admissionFailure>;
      if (awaitingAdmission(pod)) {
        rejected = admissionFailure(pod, asNode(node), admitted);
        if (!rejected) admitted.push(pod);
      }
      const plan = rejected ? rejectionPlan(pod, rejected, now) : planUntilSettled(podPlanner, pod, ctx);
      const recorder = recorderFor(nodeName);
      try {
        if (plan.delete) {
          await registry.delete(pods, obj.metadata.namespace, obj.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
        } else if (plan.status) {
          mem.written.set(uid, writtenStatus(obj, plan.status));
          await registry.patch(pods, obj.metadata.namespace, obj.metadata.name!, (current) => {
            current.metadata.resourceVersion = obj.metadata.resourceVersion;
            current.status = plan.status;
            return current;
          }, { subresource: 'status' });
        }
      } catch (err) {
        mem.written.delete(uid);
        if (isConflict(err)) {
          deadline = now.getTime();
          continue;
        }
        if (isNotFound(err)) continue;
        throw err;
      }
      if (plan.pulls?.length) mem.pulling.set(uid, new Set(plan.pulls));
      if (plan.status?.phase === 'Pending' && !mem.creatingSince.has(uid)) mem.creatingSince.set(uid, now.getTime());
      if (plan.status?.phase === 'Running') {
        mem.creatingSince.delete(uid);
        mem.pulling.delete(uid);
      }
      for (const image of plan.pulled ?? []) mem.images.add(image);
      if (obj.metadata.deletionTimestamp) mem.killed.add(uid);
      for (const e of plan.events) void recorder.record(obj, e.type, e.reason, e.message, e.fieldPath ? { fieldPath: e.fieldPath } : {});
      if (plan.requeueAfterMs !== undefined) deadline = Math.min(deadline, now.getTime() + plan.requeueAfterMs);
    }
    return deadline;
  }

  return {
    name: 'kubelet',
    // Every node's kubelet is its own process upstream: nodes sync side by side. A sync mostly
    // waits for its writes to be durable, so many in flight share each group commit (fsync).
    workers: 1024,
    watches: [
      { def: nodes, keys: (obj) => [obj.metadata.name!] },
      { def: pods, keys: (obj) => {
        const nodeName = asPod(obj).spec?.nodeName;
        return nodeName && !isEchoOfOwnWrite(nodeName, obj) ? [nodeName] : [];
      } },
      ...(options.wakeOn ?? []),
    ],
    initialKeys: () => registry.store.list(NODES).map((n) => n.metadata.name!),
    async reconcile(nodeName) {
      if (isStopped(nodeName)) return { requeueAfterMs: stoppedPollMs };
      const node = registry.store.get(NODES, undefined, nodeName);
      if (!node) {
        memory.delete(nodeName);
        recorders.delete(nodeName);
        return undefined;
      }
      let deadline: number;
      try {
        deadline = Math.min(await syncNodeStatus(node), await syncLease(node));
      } catch (err) {
        // The node changed under us: look again at once with fresh state.
        if (isConflict(err)) return { requeueAfterMs: 0 };
        if (isNotFound(err)) return undefined;
        throw err;
      }
      // Pods are read after the node write so they see the node as it is now.
      const fresh = registry.store.get(NODES, undefined, nodeName) ?? node;
      deadline = Math.min(deadline, await syncPods(fresh));
      return { requeueAfterMs: Math.max(0, deadline - clock.now().getTime()) };
    },
  };
}
