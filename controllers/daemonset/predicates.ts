// Which nodes get a daemon pod: upstream's NodeShouldRunDaemonPod (pkg/controller/daemon) with the
// scheduler predicates it borrows (node name, node selector, required node affinity, taints), plus
// the automatic tolerations every daemon pod carries. Pure functions over plain objects.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** Why a node does not (fully) qualify; machine-readable so "placement explained" can reuse it. */
export type PlacementReason =
  | { kind: 'nodeName'; nodeName: string }
  | { kind: 'nodeSelector'; key: string }
  | { kind: 'affinity' }
  | { kind: 'taint'; taint: Taint };

/** The verdict for one (node, DaemonSet) pair. */
export interface DaemonPodVerdict {
  /** Create a daemon pod here if none exists. */
  shouldRun: boolean;
  /** Keep an existing daemon pod here. */
  shouldContinueRunning: boolean;
  /** Empty when shouldRun; otherwise every failed check. */
  reasons: PlacementReason[];
}

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The field key matchFields supports (metav1.ObjectNameField). */
export const NODE_NAME_FIELD = 'metadata.name';

/** toleration.ToleratesTaint: effect empty or equal, key empty or equal, then Exists or an equal value. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** The taints passing `filter` that no toleration tolerates (upstream returns only the first). */
export function untoleratedTaints(taints: readonly Taint[], tolerations: readonly Toleration[], filter: (taint: Taint) => boolean): Taint[] {
  return taints.filter((taint) => filter(taint) && !tolerations.some((tol) => toleratesTaint(tol, taint)));
}

/** True when some NoSchedule or NoExecute taint is not tolerated. */
export function hasUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): boolean {
  return untoleratedTaints(taints, tolerations, isSchedulingTaint).length > 0;
}

const isSchedulingTaint = (t: Taint): boolean => t.effect === 'NoExecute' || t.effect === 'NoSchedule';

// Toleration.MatchToleration: same key, operator, value and effect (Equal and "" are distinct here).
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

// v1helper.AddOrUpdateTolerationInPodSpec: a matching toleration is replaced in place, else appended.
function addOrUpdateToleration(tolerations: Toleration[], toleration: Toleration): Toleration[] {
  let updated = false;
  const out: Toleration[] = [];
  for (const existing of tolerations) {
    if (sameToleration(existing, toleration)) {
      out.push(toleration);
      updated = true;
    } else out.push(existing);
  }
  if (!updated) out.push(toleration);
  return out;
}

/**
 * util.AddOrUpdateDaemonPodTolerations: returns the tolerations with the automatic daemon-pod ones
 * (D4) added after the user's; never mutates its input.
 */
export function addAutomaticTolerations(tolerations: readonly Toleration[] | undefined, hostNetwork = false): Toleration[] {
  const automatic: Array<[string, string]> = [
    [TAINT_NODE_NOT_READY, 'NoExecute'],
    [TAINT_NODE_UNREACHABLE, 'NoExecute'],
    [TAINT_NODE_DISK_PRESSURE, 'NoSchedule'],
    [TAINT_NODE_MEMORY_PRESSURE, 'NoSchedule'],
    [TAINT_NODE_PID_PRESSURE, 'NoSchedule'],
    [TAINT_NODE_UNSCHEDULABLE, 'NoSchedule'],
  ];
  if (hostNetwork) automatic.push([TAINT_NODE_NETWORK_UNAVAILABLE, 'NoSchedule']);
  let out = (tolerations ?? []).map((t) => ({ ...t }));
  for (const [key, effect] of automatic) out = addOrUpdateToleration(out, { key, operator: 'Exists', effect });
  return out;
}

// ---- node affinity (component-helpers nodeaffinity, labels.Requirement) ----

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INT64 = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1)!;
  if (parts.length === 2 && (parts[0]!.length > 253 || !DNS_SUBDOMAIN.test(parts[0]!))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

const isLabelValue = (v: string): boolean => v === '' || (v.length <= 63 && LABEL_NAME.test(v));

function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** A parsed requirement, or undefined when upstream's NewRequirement would refuse it. */
function labelRequirementMatcher(req: NodeSelectorRequirement): ((labels: Readonly<Record<string, string>>) => boolean) | undefined {
  const values = req.values ?? [];
  if (!isLabelKey(req.key)) return undefined;
  const has = (labels: Readonly<Record<string, string>>) => Object.hasOwn(labels, req.key);
  switch (req.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0 || !values.every(isLabelValue)) return undefined;
      const set = new Set(values);
      return req.operator === 'In' ? (l) => has(l) && set.has(l[req.key]!) : (l) => !has(l) || !set.has(l[req.key]!);
    }
    case 'Exists':
      return values.length === 0 ? has : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? (l) => !has(l) : undefined;
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInt64(values[0]!) : undefined;
      if (bound === undefined) return undefined;
      return (l) => {
        if (!has(l)) return false;
        const v = parseInt64(l[req.key]!);
        if (v === undefined) return false;
        return req.operator === 'Gt' ? v > bound : v < bound;
      };
    }
    default:
      return undefined;
  }
}

/** matchFields supports only metadata.name with In/NotIn and exactly one value. */
function fieldRequirementMatcher(req: NodeSelectorRequirement): ((nodeName: string) => boolean) | undefined {
  const values = req.values ?? [];
  if (req.key !== NODE_NAME_FIELD || values.length !== 1) return undefined;
  if (req.operator === 'In') return (name) => name === values[0];
  if (req.operator === 'NotIn') return (name) => name !== values[0];
  return undefined;
}

/**
 * One nodeSelectorTerm against a node. An empty term matches nothing, and so does a term with a
 * requirement upstream cannot parse (it ignores such terms "for backwards compatibility").
 */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labelMatchers = exprs.map(labelRequirementMatcher);
  const fieldMatchers = fields.map(fieldRequirementMatcher);
  if (labelMatchers.includes(undefined) || fieldMatchers.includes(undefined)) return false;
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name ?? '';
  if (!labelMatchers.every((m) => m!(labels))) return false;
  // Upstream skips field matching for a node without a name (no fields to compare).
  return name === '' || fieldMatchers.every((m) => m!(name));
}

/** The node-selector and required-affinity checks of a pod spec; returns the failures. */
export function requiredNodeAffinityFailures(spec: PodSpec, node: Node): PlacementReason[] {
  const reasons: PlacementReason[] = [];
  const labels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[key] !== value) reasons.push({ kind: 'nodeSelector', key });
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !(required.nodeSelectorTerms ?? []).some((term) => nodeSelectorTermMatches(term, node))) {
    reasons.push({ kind: 'affinity' });
  }
  return reasons;
}

/**
 * NodeShouldRunDaemonPod: evaluates the pod the DaemonSet would create (its template with the
 * automatic tolerations) against the node. Taints decide only between "not now" (NoSchedule:
 * shouldRun false, keep running) and "not at all" (NoExecute: evict).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): DaemonPodVerdict {
  const spec = ds.spec?.template?.spec;
  const nodeName = node.metadata?.name ?? '';
  if (spec?.nodeName && spec.nodeName !== nodeName) {
    return { shouldRun: false, shouldContinueRunning: false, reasons: [{ kind: 'nodeName', nodeName: spec.nodeName }] };
  }
  const affinityFailures = spec ? requiredNodeAffinityFailures(spec, node) : [];
  if (affinityFailures.length > 0) return { shouldRun: false, shouldContinueRunning: false, reasons: affinityFailures };
  const taints = node.spec?.taints ?? [];
  // An untainted node tolerates everything: skip building the tolerations (this runs per node per sync).
  if (taints.length === 0) return { shouldRun: true, shouldContinueRunning: true, reasons: [] };
  const tolerations = addAutomaticTolerations(spec?.tolerations, spec?.hostNetwork === true);
  const untolerated = untoleratedTaints(taints, tolerations, isSchedulingTaint);
  if (untolerated.length === 0) return { shouldRun: true, shouldContinueRunning: true, reasons: [] };
  return {
    shouldRun: false,
    shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute'),
    reasons: untolerated.map((taint) => ({ kind: 'taint', taint })),
  };
}
