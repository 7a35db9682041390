// Placement explained: for every DaemonSet, a DaemonSetPlacement (same namespace and name) whose
// status says, node by node, whether the DaemonSet gets a pod there and why not: the DaemonSet
// controller's own predicate (nodeShouldRunDaemonPod) turned into words, plus the scheduler's
// resource fit for eligible nodes still without a pod. Each node that becomes ineligible is also
// reported once as a Normal `NodeNotEligible` event on the DaemonSet.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorRequirement, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { refOf, type Registry } from '../../api/registry.js';
import { daemonSets, nodes, pods } from '../../api/resources.js';
import { daemonSetPlacements } from '../../api/steering-resources.js';
import type { DaemonSetPlacementStatus, NodePlacementWire, PlacementReasonWire } from '../../api/kinds/daemonsetplacement.js';
import { STEERING_API_VERSION } from '../../api/kinds/steering-common.js';
import { jsonEqual, type KubeObject } from '../../store/object.js';
import { StatusError } from '../../store/status-error.js';
import type { Clock } from '../clock.js';
import { EventRecorder } from '../events.js';
import type { Reconciler } from '../runtime.js';
import { addAutomaticTolerations, nodeSelectorTermMatches, nodeShouldRunDaemonPod, type PlacementReason } from '../daemonset/predicates.js';
import { controllerOf, getTargetNodeName } from '../daemonset/planner.js';
import { isPodTerminal, runFilters } from '../scheduler.js';
import { taintText } from './node-control.js';

const DS_REF = refOf(daemonSets);
const NODE_REF = refOf(nodes);
const POD_REF = refOf(pods);
const PLACEMENT_REF = refOf(daemonSetPlacements);

const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

function requirementText(r: NodeSelectorRequirement): string {
  return `${r.key} ${r.operator}${r.values?.length ? ` [${r.values.join(',')}]` : ''}`;
}

/** The failing requirements of each required node affinity term (node-independent wording). */
function affinityText(spec: PodSpec | undefined, node: Node): string {
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const parts = terms.map((term, i) => {
    const failing = [
      ...(term.matchExpressions ?? []).filter((e) => !nodeSelectorTermMatches({ matchExpressions: [e] }, node)),
      ...(term.matchFields ?? []).filter((f) => !nodeSelectorTermMatches({ matchFields: [f] }, node)),
    ];
    return `term ${i}: ${failing.length ? failing.map(requirementText).join(', ') : 'empty'}`;
  });
  return `required node affinity not matched (${parts.join('; ')})`;
}

/** One predicate failure in words; the message names no node, so equal reasons group across nodes. */
export function placementReasonText(reason: PlacementReason, spec: PodSpec | undefined, node: Node): PlacementReasonWire {
  switch (reason.kind) {
    case 'nodeName':
      return { type: 'NodeName', message: `spec.template.spec.nodeName is ${reason.nodeName}` };
    case 'nodeSelector':
      return { type: 'NodeSelector', message: `nodeSelector ${reason.key}=${spec?.nodeSelector?.[reason.key] ?? ''} not matched` };
    case 'affinity':
      return { type: 'NodeAffinity', message: affinityText(spec, node) };
    case 'taint':
      return { type: 'Taint', message: `taint ${taintText(reason.taint)} is not tolerated` };
  }
}

/** The pod the DaemonSet would create on a node, as far as the scheduler's filters look at it. */
function wouldBePod(ds: DaemonSet): Pod {
  const spec = ds.spec?.template?.spec ?? { containers: [] };
  return { metadata: { namespace: ds.metadata?.namespace }, spec: { ...spec, tolerations: addAutomaticTolerations(spec.tolerations, spec.hostNetwork === true) } };
}

export interface PlacementInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  /** Pods the DaemonSet controls. */
  daemonPods: readonly Pod[];
  /** The non-terminal pods bound to a node (for resource fit). */
  podsOnNode(nodeName: string): readonly Pod[];
}

/** Pure: the DaemonSetPlacement status of one DaemonSet; never mutates its input. */
export function planPlacement(input: PlacementInput): DaemonSetPlacementStatus {
  const { ds } = input;
  const spec = ds.spec?.template?.spec;
  const byNode = new Map<string, Pod>();
  for (const pod of input.daemonPods) {
    const target = getTargetNodeName(pod);
    if (target === undefined) continue;
    const seen = byNode.get(target);
    // The live pod wins over one being deleted.
    if (!seen || (seen.metadata?.deletionTimestamp && !pod.metadata?.deletionTimestamp)) byNode.set(target, pod);
  }
  const lines: NodePlacementWire[] = [];
  let eligible = 0;
  let scheduled = 0;
  const sorted = [...input.nodes].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  for (const node of sorted) {
    const name = node.metadata?.name ?? '';
    const verdict = nodeShouldRunDaemonPod(node, ds);
    const pod = byNode.get(name);
    const line: NodePlacementWire = { nodeName: name, eligible: verdict.shouldRun };
    if (!verdict.shouldRun && verdict.shouldContinueRunning) line.keepsExistingPod = true;
    if (pod) {
      line.pod = pod.metadata?.name ?? '';
      line.podPhase = pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending');
    }
    const reasons = verdict.reasons.map((r) => placementReasonText(r, spec, node));
    if (verdict.shouldRun) {
      eligible++;
      if (pod?.spec?.nodeName) scheduled++;
      else {
        const others = input.podsOnNode(name).filter((p) => p.metadata?.uid !== pod?.metadata?.uid);
        const fit = runFilters(wouldBePod(ds), { node, pods: others });
        if (fit) reasons.push({ type: 'Capacity', message: `does not fit: ${fit.reasons.join(', ')}` });
      }
    }
    if (reasons.length) line.reasons = reasons;
    if (node.spec?.unschedulable) line.notes = [`node is cordoned (spec.unschedulable), which daemon pods ignore: they tolerate ${TAINT_NODE_UNSCHEDULABLE}`];
    lines.push(line);
  }
  return {
    ...(ds.metadata?.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
    numberEligible: eligible,
    numberScheduled: scheduled,
    numberNotEligible: sorted.length - eligible,
    numberPending: eligible - scheduled,
    nodes: lines,
  };
}

/** What of a node can change a placement: labels, taints, cordon, name and allocatable. */
function nodeFingerprint(node: KubeObject): string {
  const n = node as unknown as Node;
  return JSON.stringify([n.metadata?.labels ?? {}, n.spec?.taints ?? [], Boolean(n.spec?.unschedulable), n.status?.allocatable ?? {}]);
}

const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace}/${obj.metadata.name}`;
const isStatus = (code: number) => (err: unknown): boolean => err instanceof StatusError && err.code === code;

/** Above this many nodes, rewrites of a placement are coalesced (placementRewriteIntervalMs). */
const COALESCE_ABOVE_NODES = 50;

/**
 * The least time between two rewrites of a placement over `nodeCount` nodes: 1 s, and 1 ms more per
 * node beyond 1,000. Planning and writing a placement costs O(nodes), so its share of the CPU during
 * a rollout stays the same however big the cluster (at 5,000 nodes it is rewritten every 5 s).
 */
export function placementRewriteIntervalMs(nodeCount: number): number {
  return nodeCount <= COALESCE_ABOVE_NODES ? 0 : Math.max(1000, nodeCount);
}

/** Keeps one DaemonSetPlacement per DaemonSet (key `<namespace>/<name>`). */
export function placementController(registry: Registry, clock: Clock): Reconciler {
  // kubemock's own component: not an upstream recorder, so no client-go correlation.
  const recorder = new EventRecorder(registry, clock, { component: 'daemonset-placement', correlate: false });
  // When each placement was last written (clock ms), to coalesce the rewrites of a big rollout.
  const lastWrite = new Map<string, number>();
  // The reasons last reported per DaemonSet uid and node, so each change is reported once.
  const reported = new Map<string, string>();
  const fingerprints = new Map<string, string>();
  const allDaemonSets = (): string[] => registry.store.list(DS_REF).map(keyOf);

  return {
    name: 'daemonset-placement',
    watches: [
      { def: daemonSets, keys: (obj) => [keyOf(obj)] },
      { def: daemonSetPlacements, keys: (obj) => [keyOf(obj)] },
      {
        def: pods,
        keys: (obj) => {
          const ref = controllerOf(obj as unknown as Pod);
          return ref?.kind === 'DaemonSet' ? [`${obj.metadata.namespace}/${ref.name}`] : [];
        },
      },
      {
        def: nodes,
        keys: (obj) => {
          const name = obj.metadata.name!;
          const current = registry.store.get(NODE_REF, undefined, name);
          const print = current ? nodeFingerprint(current) : undefined;
          if (print === fingerprints.get(name)) return [];
          if (print === undefined) fingerprints.delete(name);
          else fingerprints.set(name, print);
          return allDaemonSets();
        },
      },
    ],
    initialKeys() {
      for (const node of registry.store.list(NODE_REF)) fingerprints.set(node.metadata.name!, nodeFingerprint(node));
      return [...new Set([...allDaemonSets(), ...registry.store.list(PLACEMENT_REF).map(keyOf)])];
    },
    async reconcile(key) {
      const slash = key.indexOf('/');
      const ns = key.slice(0, slash);
      const name = key.slice(slash + 1);
      const dsObj = registry.store.get(DS_REF, ns, name);
      const existing = registry.store.get(PLACEMENT_REF, ns, name);
      if (!dsObj || dsObj.metadata.deletionTimestamp) {
        if (existing) await registry.delete(daemonSetPlacements, ns, name, { preconditions: { uid: existing.metadata.uid } }).catch((err: unknown) => {
          if (!isStatus(404)(err) && !isStatus(409)(err)) throw err;
        });
        lastWrite.delete(key);
        const gone = existing?.metadata.ownerReferences?.[0]?.uid ?? dsObj?.metadata.uid;
        for (const k of reported.keys()) if (gone && k.startsWith(`${gone}/`)) reported.delete(k);
        return;
      }
      const ds = dsObj as unknown as DaemonSet;
      const uid = dsObj.metadata.uid!;
      // A rollout over many nodes changes the placement with every pod: look again a little later
      // instead of rewriting an O(nodes) object per pod (events meanwhile collapse into that look).
      const since = clock.now().getTime() - (lastWrite.get(key) ?? -Infinity);
      const interval = placementRewriteIntervalMs(registry.store.count(NODE_REF));
      if (existing && since < interval) return { requeueAfterMs: interval - since };
      const nodeList = registry.store.list(NODE_REF) as unknown as Node[];
      const status = planPlacement({
        ds,
        nodes: nodeList,
        daemonPods: (registry.store.byIndex(POD_REF, 'controllerUID', uid) as unknown as Pod[]).filter((p) => p.metadata?.namespace === ns),
        podsOnNode: (nodeName) => (registry.store.byIndex(POD_REF, 'nodeName', nodeName) as unknown as Pod[]).filter((p) => !isPodTerminal(p)),
      });
      const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid, controller: true, blockOwnerDeletion: false };
      try {
        if (!existing || existing.metadata.ownerReferences?.[0]?.uid !== uid) {
          if (existing) await registry.delete(daemonSetPlacements, ns, name, { preconditions: { uid: existing.metadata.uid } });
          await registry.create(daemonSetPlacements, ns, { apiVersion: STEERING_API_VERSION, kind: 'DaemonSetPlacement', metadata: { name, namespace: ns, ownerReferences: [owner] }, status });
          lastWrite.set(key, clock.now().getTime());
        } else if (!jsonEqual(existing.status, status)) {
          await registry.patch(daemonSetPlacements, ns, name, (current) => {
            current.metadata.resourceVersion = existing.metadata.resourceVersion;
            current.status = status;
            return current;
          });
          lastWrite.set(key, clock.now().getTime());
        }
      } catch (err) {
        if (isStatus(409)(err)) return { requeueAfterMs: 0 };
        if (isStatus(404)(err) || isStatus(403)(err)) return;
        throw err;
      }
      for (const line of status.nodes) {
        const id = `${uid}/${line.nodeName}`;
        const text = line.eligible ? '' : (line.reasons ?? []).map((r) => r.message).join('; ');
        if ((reported.get(id) ?? '') === text) continue;
        reported.set(id, text);
        if (text) void recorder.record(dsObj, 'Normal', 'NodeNotEligible', `Node ${line.nodeName} is not eligible: ${text}`);
      }
      const live = new Set(status.nodes.map((l) => `${uid}/${l.nodeName}`));
      for (const id of reported.keys()) if (id.startsWith(`${uid}/`) && !live.has(id)) reported.delete(id);
    },
  };
}
