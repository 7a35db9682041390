// The DaemonSet controller: maps DaemonSet, pod, node and ControllerRevision events to DaemonSet
// keys, and for each key re-reads the store, asks planDaemonSet what to do and does it through the
// registry (so validation, defaults and watch events apply), recording upstream's events.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { refOf, type Registry } from '../../api/registry.js';
import { controllerRevisions, daemonSets, nodes, pods } from '../../api/resources.js';
import type { ResourceDefinition } from '../../api/types.js';
import type { KubeObject } from '../../store/object.js';
import { labelSelectorFromObject } from '../../store/selectors.js';
import { conflict, StatusError } from '../../store/status-error.js';
import type { Clock } from '../clock.js';
import { EventRecorder } from '../events.js';
import type { Reconciler } from '../runtime.js';
import { nodeShouldRunDaemonPod } from './predicates.js';
import { controllerOf, FAILED_POD_BACKOFF, planDaemonSet, type BackoffEntry, type DaemonSetPlan } from './planner.js';
import { CONTROLLER_REVISION_HASH_LABEL, controllerRefOf } from './revisions.js';
import { DaemonSetPacer, pacingOf, type Pacing, type PacingMode } from './pacing.js';

const DS_REF = refOf(daemonSets);
const POD_REF = refOf(pods);
const NODE_REF = refOf(nodes);
const REVISION_REF = refOf(controllerRevisions);

const asDaemonSet = (obj: KubeObject): DaemonSet => obj as unknown as DaemonSet;
const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace}/${obj.metadata.name}`;

const isNotFound = (err: unknown): boolean => err instanceof StatusError && err.code === 404;
// apierrors.HasStatusCause(err, NamespaceTerminatingCause): creates into a dying namespace are moot.
const isNamespaceTerminating = (err: unknown): boolean => err instanceof StatusError && err.code === 403 && /being terminated/.test(err.message);

export interface DaemonSetControllerOptions {
  /** How fast pods are created when a DaemonSet does not say (kubemock.dev/daemonset-pacing); default instant. */
  daemonSetPacing?: PacingMode;
}

/** A Reconciler running upstream's DaemonSet controller; keys are `<namespace>/<name>`. */
export function daemonSetController(registry: Registry, clock: Clock, options: DaemonSetControllerOptions = {}): Reconciler {
  const recorder = new EventRecorder(registry, clock, { component: 'daemonset-controller' });
  // kubemock's own slow-start batch events: a source of their own, without client-go's correlation
  // (which would combine them, and drop them with the SuccessfulCreate events past 25).
  const pacingRecorder = new EventRecorder(registry, clock, { component: 'daemonset-pacing', correlate: false });
  // Slow-start batches, burstReplicas and the client rate limiter (pacing.ts); one per controller, like its client.
  const pacer = new DaemonSetPacer();
  // Per-node failed-pod back-off (E8); belongs to this controller instance, like upstream's.
  const failedPodBackoff = new Map<string, BackoffEntry>();

  /** resolveControllerRef: the DaemonSet a controller reference names, if it still has that uid. */
  const resolve = (namespace: string | undefined, ref: OwnerReference): string[] => {
    if (ref.kind !== 'DaemonSet' || !namespace) return [];
    const ds = registry.store.get(DS_REF, namespace, ref.name);
    return ds && ds.metadata.uid === ref.uid ? [keyOf(ds)] : [];
  };

  /** A pod or revision maps to its controller; an orphan to every DaemonSet whose selector matches it. */
  const ownerKeys = (obj: KubeObject): string[] => {
    const ref = controllerOf(obj);
    if (ref) return resolve(obj.metadata.namespace, ref);
    const out: string[] = [];
    for (const ds of registry.store.list(DS_REF, obj.metadata.namespace)) {
      try {
        const selector = labelSelectorFromObject(asDaemonSet(ds).spec?.selector);
        if (!selector.empty && selector.matches(obj.metadata.labels)) out.push(keyOf(ds));
      } catch {
        // a DaemonSet with an unparsable selector adopts nothing
      }
    }
    return out;
  };

  const allDaemonSets = (): string[] => registry.store.list(DS_REF).map(keyOf);

  // Nodes as last seen, to wake only the DaemonSets whose verdict changed (upstream's updateNode):
  // kubelet heartbeats rewrite node status all the time and must not resync every DaemonSet.
  const seenNodes = new Map<string, Node>();
  const nodeKeys = (obj: KubeObject): string[] => {
    const name = obj.metadata.name!;
    const current = registry.store.get(NODE_REF, undefined, name) as unknown as Node | undefined;
    const before = seenNodes.get(name);
    if (!current || !before) {
      // A node added or gone: let every DaemonSet look (both are rare).
      if (current) seenNodes.set(name, current);
      else seenNodes.delete(name);
      return allDaemonSets();
    }
    seenNodes.set(name, current);
    if (before === current) return [];
    const out: string[] = [];
    for (const obj of registry.store.list(DS_REF)) {
      const ds = asDaemonSet(obj);
      const was = nodeShouldRunDaemonPod(before, ds);
      const is = nodeShouldRunDaemonPod(current, ds);
      if (was.shouldRun !== is.shouldRun || was.shouldContinueRunning !== is.shouldContinueRunning) out.push(keyOf(obj));
    }
    return out;
  };

  /** Adds this DaemonSet's controller reference to an orphan, or removes it (release). */
  const patchOwnership = async (def: ResourceDefinition, ds: DaemonSet, obj: KubeObject | undefined, adopt: boolean): Promise<void> => {
    if (!obj) return;
    const ns = ds.metadata!.namespace;
    const uid = ds.metadata!.uid!;
    try {
      await registry.patch(def, ns, obj.metadata.name!, (current) => {
        if (current.metadata.uid !== obj.metadata.uid) throw conflict(refOf(def), obj.metadata.name!);
        const refs = current.metadata.ownerReferences ?? [];
        if (adopt) {
          const owner = refs.find((r) => r.controller);
          if (owner && owner.uid !== uid) throw conflict(refOf(def), obj.metadata.name!, 'the object has another controller');
          if (!owner) current.metadata.ownerReferences = [...refs.filter((r) => r.uid !== uid), controllerRefOf(ds)];
        } else {
          const kept = refs.filter((r) => r.uid !== uid);
          if (kept.length > 0) current.metadata.ownerReferences = kept;
          else delete current.metadata.ownerReferences;
        }
        return current;
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  const patchLabel = async (def: ResourceDefinition, ns: string, name: string, key: string, value: string): Promise<void> => {
    try {
      await registry.patch(def, ns, name, (current) => {
        current.metadata.labels = { ...(current.metadata.labels ?? {}), [key]: value };
        return current;
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  /** Applies a plan; returns when the pacing wants another look (ms), if it does. */
  async function applyPlan(ds: DaemonSet, pacing: Pacing, plan: DaemonSetPlan, observed: { pods: Map<string, KubeObject>; revisions: Map<string, KubeObject> }): Promise<number | undefined> {
    const ns = ds.metadata!.namespace!;
    const dsObj = ds as unknown as KubeObject;
    const errors: unknown[] = [];
    for (const [key, entry] of plan.backoff) failedPodBackoff.set(key, entry);
    for (const ev of plan.events) void recorder.record(dsObj, ev.type, ev.reason, ev.message);

    // constructHistory: pods are labelled with the current revision's hash, so it must exist first.
    for (const name of plan.revisions.adopt) await patchOwnership(controllerRevisions, ds, observed.revisions.get(name), true);
    for (const name of plan.revisions.release) await patchOwnership(controllerRevisions, ds, observed.revisions.get(name), false);
    for (const name of plan.revisions.addHashLabel) await patchLabel(controllerRevisions, ns, name, CONTROLLER_REVISION_HASH_LABEL, name);
    for (const name of plan.pods.relabel) await patchLabel(pods, ns, name, CONTROLLER_REVISION_HASH_LABEL, plan.hash!);
    if (plan.revisions.create) await registry.create(controllerRevisions, ns, plan.revisions.create);
    if (plan.revisions.renumber) {
      const { name, revision } = plan.revisions.renumber;
      await registry.patch(controllerRevisions, ns, name, (current) => ({ ...current, revision }));
    }

    // manage / rollingUpdate: claim, then create and delete pods.
    for (const name of plan.pods.adopt) await patchOwnership(pods, ds, observed.pods.get(name), true);
    for (const name of plan.pods.release) await patchOwnership(pods, ds, observed.pods.get(name), false);
    // slowStartBatch: creates go out in batches of 1, 2, 4, … until one fails, paced as the DaemonSet asks.
    const key = `${ns}/${ds.metadata!.name}`;
    const step = pacer.step(key, pacing, plan.pods.create, clock.now().getTime(), registry.store.deliveredResourceVersion);
    for (const chunk of step.chunks) {
      // Each planned pod is built for this create alone (buildDaemonPod): handed over, not copied.
      const results = await Promise.allSettled(chunk.creates.map((c) => registry.create(pods, ns, c.pod, { internal: true })));
      for (const r of results) if (r.status === 'fulfilled') pacer.created(key, Number(r.value.metadata.resourceVersion));
      let failed = false;
      // One event per created pod (each message its own, so nothing to deduplicate), written in the background.
      for (const r of results) if (r.status === 'fulfilled') void recorder.record(dsObj, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        if (!isNamespaceTerminating(r.reason)) {
          failed = true;
          errors.push(r.reason);
          void recorder.record(dsObj, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(r.reason)}`);
        }
      }
      if (failed) {
        pacer.abort(key);
        break; // slow start: the remaining creates would most likely fail the same way
      }
      // kubemock's own event (realistic pacing only): makes the slow-start batches visible.
      if (chunk.completes) void pacingRecorder.record(dsObj, 'Normal', 'CreateBatch', `Sync ${chunk.completes.sync}, slow-start batch ${chunk.completes.batch}: ${chunk.completes.size} pods`);
    }
    for (const del of plan.pods.delete) {
      try {
        await registry.delete(pods, ns, del.name, del.uid ? { preconditions: { uid: del.uid } } : {});
        void recorder.record(dsObj, 'Normal', 'SuccessfulDelete', `Deleted pod: ${del.name}`);
      } catch (err) {
        // Gone already, or replaced by a pod of the same name: either way this one is not there.
        if (isNotFound(err) || (err instanceof StatusError && err.code === 409)) continue;
        errors.push(err);
        void recorder.record(dsObj, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
      }
    }

    // cleanupHistory runs only when manage succeeded, as upstream's updateDaemonSet.
    if (errors.length === 0) {
      for (const name of plan.revisions.delete) {
        try {
          await registry.delete(controllerRevisions, ns, name, { preconditions: { uid: observed.revisions.get(name)?.metadata.uid } });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }

    if (plan.status) {
      const planned = plan.status;
      try {
        await registry.patch(
          daemonSets,
          ns,
          ds.metadata!.name!,
          (current) => {
            if (current.metadata.uid !== ds.metadata!.uid) throw conflict(DS_REF, ds.metadata!.name!);
            const before = (current.status ?? {}) as NonNullable<DaemonSet['status']>;
            // Conditions belong to whoever wrote them; collisionCount never goes down.
            const { collisionCount, conditions: _plannedConditions, ...counters } = planned;
            const collisions = Math.max(before.collisionCount ?? -1, collisionCount ?? -1);
            current.status = {
              ...counters,
              ...(collisions >= 0 ? { collisionCount: collisions } : {}),
              ...(before.conditions?.length ? { conditions: before.conditions } : {}),
            };
            return current;
          },
          { subresource: 'status' },
        );
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
    return step.requeueAfterMs;
  }

  /**
   * The pods a sync of the DaemonSet with this uid can claim: those it controls and the namespace's
   * orphans, in name order, from the store's indexes. Upstream's getDaemonPods lists every pod of
   * the namespace (from its informer's cache) and skips those other controllers own; this reads
   * only what the sync can claim, however many pods other controllers keep beside it.
   */
  function claimablePods(ns: string, uid: string): KubeObject[] {
    const owned = registry.store.byIndex(POD_REF, 'controllerUID', uid).filter((p) => p.metadata.namespace === ns);
    const orphans = registry.store.byIndex(POD_REF, 'orphansIn', ns);
    if (owned.length === 0 || orphans.length === 0) return owned.length ? owned : orphans;
    const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name! < b.metadata.name! ? -1 : 1);
    return [...owned, ...orphans].sort(byName);
  }

  return {
    name: 'daemonset',
    // kube-controller-manager's --concurrent-daemonset-syncs default.
    workers: 2,
    watches: [
      { def: daemonSets, keys: (obj) => [keyOf(obj)] },
      { def: pods, keys: ownerKeys },
      { def: controllerRevisions, keys: ownerKeys },
      // A node change that flips a verdict (labels, taints, a node added or gone): D7.
      { def: nodes, keys: nodeKeys },
    ],
    initialKeys() {
      for (const node of registry.store.list(NODE_REF)) seenNodes.set(node.metadata.name!, node as unknown as Node);
      return allDaemonSets();
    },
    async reconcile(key) {
      const slash = key.indexOf('/');
      const ns = key.slice(0, slash);
      const name = key.slice(slash + 1);
      const stored = registry.store.get(DS_REF, ns, name);
      if (!stored) {
        pacer.forget(key);
        return;
      }
      const now = clock.now();
      for (const [k, entry] of failedPodBackoff) {
        if (now.getTime() - entry.lastUpdateMs > FAILED_POD_BACKOFF.maxMs * 2) failedPodBackoff.delete(k);
      }
      const podList = claimablePods(ns, stored.metadata.uid!);
      const revisionList = registry.store.list(REVISION_REF, ns);
      const pacing = pacingOf(asDaemonSet(stored), options.daemonSetPacing);
      const plan = planDaemonSet({
        ds: asDaemonSet(stored),
        nodes: registry.store.list(NODE_REF) as unknown as Node[],
        pods: podList as unknown as Pod[],
        revisions: revisionList as unknown as ControllerRevision[],
        now,
        failedPodBackoff,
        // Registry writes are synchronous and every sync re-reads the store, so the controller has
        // always observed its own earlier creates and deletes (upstream's expectations hold).
        expectationsSatisfied: true,
        // instant pacing creates every missing pod in one sync (slow-start batches still apply).
        ...(pacing.mode === 'instant' ? { burstReplicas: Infinity } : {}),
      });
      const paced = await applyPlan(asDaemonSet(stored), pacing, plan, {
        pods: new Map(podList.map((p) => [p.metadata.name!, p])),
        revisions: new Map(revisionList.map((r) => [r.metadata.name!, r])),
      });
      const requeue = Math.min(plan.requeueAfterMs ?? Infinity, paced ?? Infinity);
      return requeue !== Infinity ? { requeueAfterMs: requeue } : undefined;
    },
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
