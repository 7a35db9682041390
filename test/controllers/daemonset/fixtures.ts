// Builders for DaemonSet planner tests: nodes, DaemonSets, pods and revisions as plain objects,
// and a tiny in-memory "cluster" that applies plans the way controller.ts does, so multi-step
// behaviours (rollouts, undo) can be tested without a server and without sleeping.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { planDaemonSet, type BackoffEntry, type DaemonSetPlan, type DaemonSetPlanInput } from '../../../controllers/daemonset/planner.js';
import { computeHash, controllerRefOf, CONTROLLER_REVISION_HASH_LABEL, POD_TEMPLATE_GENERATION_LABEL } from '../../../controllers/daemonset/revisions.js';

export const NOW = new Date('2026-01-01T00:00:00Z');

/** An RFC 3339 timestamp `seconds` before `from`. */
export function ago(seconds: number, from: Date = NOW): string {
  return new Date(from.getTime() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type W<T> = { -readonly [K in keyof T]: T[K] };

export function makeNode(name: string, opts: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; ready?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}), ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

export function nodes(...names: string[]): Node[] {
  return names.map((n) => makeNode(n));
}

export interface DaemonSetOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  templateGeneration?: number | null;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  selector?: DaemonSet['spec'] extends infer S ? (S extends { selector: infer L } ? L : never) : never;
  templateLabels?: Record<string, string>;
  templateAnnotations?: Record<string, string>;
  podSpec?: Partial<PodSpec>;
  image?: string;
  updateStrategy?: NonNullable<DaemonSet['spec']>['updateStrategy'];
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  status?: DaemonSet['status'];
  deletionTimestamp?: string;
}

/** A DaemonSet as the API server stores it after defaulting (app=agent, one container). */
export function makeDaemonSet(opts: DaemonSetOptions = {}): DaemonSet {
  const templateGeneration = opts.templateGeneration === undefined ? (opts.generation ?? 1) : opts.templateGeneration;
  const annotations = { ...(templateGeneration === null ? {} : { 'deprecated.daemonset.template.generation': String(templateGeneration) }), ...(opts.annotations ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: opts.name ?? 'agent',
      namespace: opts.namespace ?? 'default',
      uid: opts.uid ?? 'ds-uid-1',
      generation: opts.generation ?? 1,
      creationTimestamp: ago(3600),
      ...(opts.labels ? { labels: opts.labels } : {}),
      annotations,
      ...(opts.deletionTimestamp ? { deletionTimestamp: opts.deletionTimestamp } : {}),
    },
    spec: {
      selector: opts.selector ?? { matchLabels: { app: 'agent' } },
      template: {
        metadata: {
          creationTimestamp: null as unknown as string,
          labels: opts.templateLabels ?? { app: 'agent' },
          ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}),
        },
        spec: {
          containers: [
            {
              name: 'agent',
              image: opts.image ?? 'agent:1',
              imagePullPolicy: 'IfNotPresent',
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
          ...(opts.podSpec ?? {}),
        },
      },
      updateStrategy: opts.updateStrategy ?? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: opts.revisionHistoryLimit ?? 10,
      ...(opts.minReadySeconds ? { minReadySeconds: opts.minReadySeconds } : {}),
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

/** The hash the planner gives pods of this DaemonSet's current template. */
export function hashOf(ds: DaemonSet): string {
  return computeHash(ds.spec!.template, ds.status?.collisionCount);
}

export interface PodOptions {
  /** Bound to this node (spec.nodeName). */
  node?: string;
  /** Not yet bound: aimed at this node by the matchFields affinity only. */
  target?: string;
  /** The owning DaemonSet (default), another owner reference, or null for an orphan. */
  owner?: DaemonSet | OwnerReference | null;
  /** controller-revision-hash label; defaults to the owner's current hash. */
  hash?: string;
  generation?: string;
  labels?: Record<string, string>;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** Ready=True since this many seconds before NOW (true means 1 hour). */
  ready?: boolean | number;
  /** Created this many seconds before NOW (default 600). */
  created?: number;
  deleting?: boolean;
  uid?: string;
}

export function makePod(name: string, opts: PodOptions = {}): Pod {
  const owner = opts.owner === undefined ? makeDaemonSet() : opts.owner;
  const ownerRef = owner === null ? undefined : 'metadata' in owner ? controllerRefOf(owner as DaemonSet) : (owner as OwnerReference);
  const labels: Record<string, string> = { app: 'agent', ...(opts.labels ?? {}) };
  const hash = opts.hash ?? (owner && 'spec' in owner ? hashOf(owner as DaemonSet) : undefined);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  if (opts.generation) labels[POD_TEMPLATE_GENERATION_LABEL] = opts.generation;
  const readySeconds = opts.ready === true ? 3600 : typeof opts.ready === 'number' ? opts.ready : undefined;
  const target = opts.target ?? opts.node;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: opts.uid ?? `uid-${name}`,
      creationTimestamp: ago(opts.created ?? 600),
      labels,
      ...(ownerRef ? { ownerReferences: [ownerRef] } : {}),
      ...(opts.deleting ? { deletionTimestamp: ago(0), deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      containers: [{ name: 'agent', image: 'agent:1' }],
      ...(opts.node ? { nodeName: opts.node } : {}),
      ...(target
        ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [target] }] }] } } } }
        : {}),
    },
    status: {
      phase: opts.phase ?? (opts.node ? 'Running' : 'Pending'),
      ...(readySeconds !== undefined ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(readySeconds) }] } : {}),
    },
  };
}

/** planDaemonSet with NOW and empty lists as defaults. */
export function plan(input: Partial<DaemonSetPlanInput> & { ds: DaemonSet }): DaemonSetPlan {
  return planDaemonSet({ nodes: [], pods: [], revisions: [], now: NOW, ...input });
}

/** Pod creations of a plan as [node, labels-hash] pairs, sorted by node. */
export function createdOn(p: DaemonSetPlan): string[] {
  return p.pods.create.map((c) => c.node).sort();
}

/** Pod deletions of a plan as names, sorted. */
export function deleted(p: DaemonSetPlan): string[] {
  return p.pods.delete.map((d) => d.name).sort();
}

/**
 * An in-memory cluster: applies plans like the controller does (pods are created unscheduled;
 * deletes either mark the pod terminating or remove it), and lets tests play kubelet.
 */
export class Sim {
  ds: DaemonSet;
  nodes: Node[];
  pods: Pod[] = [];
  revisions: ControllerRevision[] = [];
  backoff = new Map<string, BackoffEntry>();
  now: Date = NOW;
  private counter = 0;

  constructor(ds: DaemonSet, nodeList: Node[]) {
    this.ds = ds;
    this.nodes = nodeList;
  }

  /** One sync: plan, then apply it. `graceful` keeps deleted pods as terminating. */
  sync(opts: { graceful?: boolean } = {}): DaemonSetPlan {
    const p = planDaemonSet({ ds: this.ds, nodes: this.nodes, pods: this.pods, revisions: this.revisions, now: this.now, failedPodBackoff: this.backoff });
    this.apply(p, opts.graceful ?? false);
    return p;
  }

  /** Syncs until a plan does nothing but (maybe) status; returns every plan. */
  settle(opts: { graceful?: boolean; max?: number } = {}): DaemonSetPlan[] {
    const plans: DaemonSetPlan[] = [];
    for (let i = 0; i < (opts.max ?? 20); i++) {
      const p = this.sync(opts);
      plans.push(p);
      if (p.pods.create.length === 0 && p.pods.delete.length === 0 && !p.revisions.create && !p.revisions.renumber && p.revisions.delete.length === 0 && !p.status) break;
    }
    return plans;
  }

  private apply(p: DaemonSetPlan, graceful: boolean): void {
    for (const [k, v] of p.backoff) this.backoff.set(k, v);
    const ref = controllerRefOf(this.ds);
    const own = <T extends { metadata?: { name?: string; ownerReferences?: OwnerReference[] } }>(list: T[], names: string[], adopt: boolean): T[] =>
      list.map((o) => {
        if (!names.includes(o.metadata!.name!)) return o;
        const refs = (o.metadata!.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
        return { ...o, metadata: { ...o.metadata, ownerReferences: adopt ? [...refs, ref] : refs } };
      });
    this.revisions = own(this.revisions, p.revisions.adopt, true);
    this.revisions = own(this.revisions, p.revisions.release, false);
    if (p.revisions.create) this.revisions.push(p.revisions.create);
    if (p.revisions.renumber) {
      const { name, revision } = p.revisions.renumber;
      this.revisions = this.revisions.map((r) => (r.metadata!.name === name ? { ...r, revision } : r));
    }
    this.pods = own(this.pods, p.pods.adopt, true);
    this.pods = own(this.pods, p.pods.release, false);
    for (const c of p.pods.create) {
      const name = `${this.ds.metadata!.name}-${++this.counter}`;
      this.pods.push({ ...c.pod, metadata: { ...c.pod.metadata, name, uid: `uid-${name}`, creationTimestamp: this.now.toISOString().replace(/\.\d{3}Z$/, 'Z') } });
    }
    const gone = new Set(p.pods.delete.map((d) => d.name));
    this.pods = graceful
      ? this.pods.map((pod) => (gone.has(pod.metadata!.name!) ? { ...pod, metadata: { ...pod.metadata, deletionTimestamp: this.now.toISOString() } } : pod))
      : this.pods.filter((pod) => !gone.has(pod.metadata!.name!));
    this.revisions = this.revisions.filter((r) => !p.revisions.delete.includes(r.metadata!.name!));
    if (p.status) this.ds = { ...this.ds, status: p.status };
  }

  /** Plays scheduler and kubelet, then syncs, until a sync changes no pod or revision. */
  rollOut(max = 50): DaemonSetPlan[] {
    const plans: DaemonSetPlan[] = [];
    for (let i = 0; i < max; i++) {
      this.runAll();
      const p = this.sync();
      plans.push(p);
      if (p.pods.create.length === 0 && p.pods.delete.length === 0 && !p.revisions.create && !p.revisions.renumber && p.revisions.delete.length === 0) break;
    }
    return plans;
  }

  /** Plays scheduler and kubelet: binds every pending pod to its target and makes it Ready now. */
  runAll(): void {
    this.pods = this.pods.map((pod) => {
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Running') return pod;
      const target = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
      const ts = this.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      return { ...pod, spec: { ...pod.spec!, nodeName: pod.spec?.nodeName ?? target }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts }] } };
    });
  }

  /** Plays kubelet finishing graceful deletions. */
  removeTerminating(): void {
    this.pods = this.pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  /** Changes the template the way an update does: new template, generation and template generation +1. */
  setTemplate(mutate: (ds: W<DaemonSet>) => void): void {
    const next = structuredClone(this.ds) as W<DaemonSet>;
    mutate(next);
    const generation = (next.metadata!.generation ?? 1) + 1;
    const templateGeneration = Number(next.metadata!.annotations?.['deprecated.daemonset.template.generation'] ?? '0') + 1;
    next.metadata = { ...next.metadata, generation, annotations: { ...(next.metadata!.annotations ?? {}), 'deprecated.daemonset.template.generation': String(templateGeneration) } };
    this.ds = next;
  }

  setImage(image: string): void {
    this.setTemplate((ds) => {
      (ds.spec!.template.spec!.containers[0] as { image?: string }).image = image;
    });
  }

  /** Pods that are not terminating, by node. */
  liveByNode(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const pod of this.pods) {
      if (pod.metadata?.deletionTimestamp) continue;
      const node = pod.spec?.nodeName ?? pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] ?? '?';
      (out[node] ??= []).push(pod.metadata!.labels![CONTROLLER_REVISION_HASH_LABEL]!);
    }
    return out;
  }

  revisionNumbers(): number[] {
    return this.revisions.map((r) => r.revision).sort((a, b) => a - b);
  }
}
