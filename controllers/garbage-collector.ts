// The garbage collector (pkg/controller/garbagecollector), without its in-memory graph: owners are
// looked up in the store by kind and name (in the dependent's namespace, or cluster-wide for
// cluster-scoped kinds) and compared by uid. Objects whose owners are all gone are deleted;
// owners deleted in foreground wait for their blocking dependents; owners deleted with `orphan`
// release their dependents first.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Registry } from '../api/registry.js';
import type { ResourceDefinition } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import type { Clock } from './clock.js';
import type { Reconciler } from './runtime.js';

/** The finalizers the registry sets for the Orphan and Foreground propagation policies. */
export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** An owner reference and what the store holds for it. */
export interface ResolvedOwner {
  ref: OwnerReference;
  /**
   * present: the owner exists with the referenced uid; absent: no such object (or another uid);
   * unresolvable: the kind is not served, so nothing can be concluded (upstream retries forever).
   */
  state: 'present' | 'absent' | 'unresolvable';
  owner?: KubeObject;
}

/** What attemptToDeleteItem does with one dependent. */
export type DependentAction =
  | { kind: 'none' }
  | { kind: 'delete'; propagationPolicy: 'Background' | 'Foreground' | 'Orphan' }
  | { kind: 'removeOwnerReferences'; uids: string[] };

function hasFinalizer(obj: KubeObject | undefined, finalizer: string): boolean {
  return (obj?.metadata.finalizers ?? []).includes(finalizer);
}

/** Being deleted in foreground: deletionTimestamp plus the foregroundDeletion finalizer. */
export function isDeletingDependents(obj: KubeObject | undefined): boolean {
  return Boolean(obj?.metadata.deletionTimestamp) && hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS);
}

/** classifyReferences: solid owners keep the object, dangling ones are gone, waiting ones are being foreground-deleted. */
export function classifyReferences(owners: readonly ResolvedOwner[]): { solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[]; unresolvable: OwnerReference[] } {
  const out = { solid: [] as OwnerReference[], dangling: [] as OwnerReference[], waiting: [] as OwnerReference[], unresolvable: [] as OwnerReference[] };
  for (const o of owners) {
    if (o.state === 'unresolvable') out.unresolvable.push(o.ref);
    else if (o.state === 'absent') out.dangling.push(o.ref);
    else if (isDeletingDependents(o.owner)) out.waiting.push(o.ref);
    else out.solid.push(o.ref);
  }
  return out;
}

/**
 * Pure: attemptToDeleteItem. An object with a living owner only loses its references to gone or
 * foreground-deleting owners; one with none left is deleted, in foreground when a foreground
 * owner waits and it has dependents of its own, else with the policy its own finalizers ask for.
 */
export function planDependent(dependent: KubeObject, owners: readonly ResolvedOwner[], hasDependents: boolean): DependentAction {
  if (owners.length === 0) return { kind: 'none' };
  if (dependent.metadata.deletionTimestamp && !isDeletingDependents(dependent)) return { kind: 'none' };
  const { solid, dangling, waiting, unresolvable } = classifyReferences(owners);
  if (unresolvable.length > 0) return { kind: 'none' };
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { kind: 'none' };
    return { kind: 'removeOwnerReferences', uids: [...dangling, ...waiting].map((r) => r.uid) };
  }
  if (dependent.metadata.deletionTimestamp) return { kind: 'none' };
  if (waiting.length > 0 && hasDependents) return { kind: 'delete', propagationPolicy: 'Foreground' };
  if (hasFinalizer(dependent, FINALIZER_ORPHAN)) return { kind: 'delete', propagationPolicy: 'Orphan' };
  if (hasFinalizer(dependent, FINALIZER_DELETE_DEPENDENTS)) return { kind: 'delete', propagationPolicy: 'Foreground' };
  return { kind: 'delete', propagationPolicy: 'Background' };
}

export interface OwnerDeletionPlan {
  /** Dependents to release (their reference to this owner is removed): orphan deletion. */
  orphan: KubeObject[];
  /** Dependents to run attemptToDeleteItem on: foreground deletion. */
  attempt: KubeObject[];
  /** The finalizer to remove from the owner once orphan and attempt are done. */
  removeFinalizer?: typeof FINALIZER_ORPHAN | typeof FINALIZER_DELETE_DEPENDENTS;
}

/** The dependents that keep a foreground-deleting owner in place. */
export function blockingDependents(owner: KubeObject, dependents: readonly KubeObject[]): KubeObject[] {
  return dependents.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.blockOwnerDeletion));
}

/**
 * Pure: what an owner being deleted still needs. Orphan: release every dependent, then drop the
 * finalizer. Foreground: delete the dependents not yet being deleted; drop the finalizer once no
 * blocking dependent exists.
 */
export function planOwnerDeletion(owner: KubeObject, dependents: readonly KubeObject[]): OwnerDeletionPlan {
  if (!owner.metadata.deletionTimestamp) return { orphan: [], attempt: [] };
  if (hasFinalizer(owner, FINALIZER_ORPHAN)) return { orphan: [...dependents], attempt: [], removeFinalizer: FINALIZER_ORPHAN };
  if (hasFinalizer(owner, FINALIZER_DELETE_DEPENDENTS)) {
    const attempt = dependents.filter((d) => !d.metadata.deletionTimestamp);
    return blockingDependents(owner, dependents).length === 0 ? { orphan: [], attempt, removeFinalizer: FINALIZER_DELETE_DEPENDENTS } : { orphan: [], attempt };
  }
  return { orphan: [], attempt: [] };
}

function isGone(err: unknown): boolean {
  return err instanceof StatusError && (err.code === 404 || err.code === 409);
}

const SEP = '|';

/**
 * Keys: `dependent|<resource>|<ns>|<name>` (check an object's owners), `owner|<resource>|<ns>|<name>`
 * (an owner with a deletion finalizer) and `gone|<resource>|<ns>|<uid>` (an object that no longer
 * exists: its dependents are checked).
 */
export function garbageCollectorController(registry: Registry, _clock: Clock): Reconciler {
  const defs = registry.resources;
  const resourceId = (def: ResourceDefinition) => (def.group ? `${def.plural}.${def.group}` : def.plural);
  const defById = new Map(defs.map((d) => [resourceId(d), d]));
  const refOf = (def: ResourceDefinition) => ({ group: def.group, resource: def.plural });

  const defForOwner = (ref: OwnerReference): ResourceDefinition | undefined => {
    const slash = ref.apiVersion.indexOf('/');
    const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
    return defs.find((d) => d.group === group && d.kind === ref.kind);
  };

  const resolveOwner = (dependent: KubeObject, ref: OwnerReference): ResolvedOwner => {
    const def = defForOwner(ref);
    if (!def) return { ref, state: 'unresolvable' };
    // A cluster-scoped object cannot be owned by a namespaced one: such a reference is dangling.
    if (def.namespaced && !dependent.metadata.namespace) return { ref, state: 'absent' };
    const owner = registry.store.get(refOf(def), def.namespaced ? dependent.metadata.namespace : undefined, ref.name);
    return owner && owner.metadata.uid === ref.uid ? { ref, state: 'present', owner } : { ref, state: 'absent' };
  };

  /** Objects holding a reference to uid (in the owner's namespace when it is namespaced), through the ownerUID index every resource has. */
  const dependentsOf = (uid: string, namespace: string | undefined, ownerNamespaced: boolean): Array<{ def: ResourceDefinition; obj: KubeObject }> => {
    const out: Array<{ def: ResourceDefinition; obj: KubeObject }> = [];
    for (const def of defs) {
      if (ownerNamespaced && !def.namespaced) continue;
      for (const obj of registry.store.byIndex(refOf(def), 'ownerUID', uid)) if (!ownerNamespaced || obj.metadata.namespace === namespace) out.push({ def, obj });
    }
    return out;
  };

  const keyOf = (kind: 'dependent' | 'owner', def: ResourceDefinition, obj: KubeObject) => [kind, resourceId(def), obj.metadata.namespace ?? '', obj.metadata.name].join(SEP);

  const keysFor = (def: ResourceDefinition) => (obj: KubeObject): string[] => {
    const keys: string[] = [];
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length) {
      // As upstream's graph builder: a dependent whose owners all exist and none is deleting its
      // dependents needs nothing (attemptToDeleteItem would find every reference solid), so most
      // writes (a pod's binding and status) check nothing. An owner that goes or starts deleting
      // later enqueues its dependents through its own event.
      let settled = true;
      for (const ref of refs) {
        const resolved = resolveOwner(obj, ref);
        const deleting = resolved.state === 'present' && isDeletingDependents(resolved.owner);
        if (resolved.state !== 'present' || deleting) settled = false;
        // A change to a dependent may unblock an owner waiting for it.
        const ownerDef = deleting ? defForOwner(ref) : undefined;
        if (ownerDef) keys.push(keyOf('owner', ownerDef, resolved.owner!));
      }
      if (!settled) keys.unshift(keyOf('dependent', def, obj));
    }
    const current = registry.store.get(refOf(def), obj.metadata.namespace, obj.metadata.name!);
    if (current && current.metadata.uid === obj.metadata.uid) {
      if (current.metadata.deletionTimestamp && (hasFinalizer(current, FINALIZER_ORPHAN) || hasFinalizer(current, FINALIZER_DELETE_DEPENDENTS))) keys.push(keyOf('owner', def, current));
    } else {
      keys.push(['gone', resourceId(def), obj.metadata.namespace ?? '', obj.metadata.uid].join(SEP));
    }
    return keys;
  };

  /** Runs attemptToDeleteItem on one object, re-reading it first. */
  async function attemptToDelete(def: ResourceDefinition, stale: KubeObject): Promise<void> {
    const obj = registry.store.get(refOf(def), stale.metadata.namespace, stale.metadata.name!);
    if (!obj || obj.metadata.uid !== stale.metadata.uid) return;
    const owners = (obj.metadata.ownerReferences ?? []).map((ref) => resolveOwner(obj, ref));
    const needsDependents = classifyReferences(owners).waiting.length > 0;
    const hasDependents = needsDependents && dependentsOf(obj.metadata.uid!, obj.metadata.namespace, def.namespaced).length > 0;
    const action = planDependent(obj, owners, hasDependents);
    try {
      if (action.kind === 'delete') {
        await registry.delete(def, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy: action.propagationPolicy, preconditions: { uid: obj.metadata.uid } });
      } else if (action.kind === 'removeOwnerReferences') {
        await removeOwnerReferences(def, obj, action.uids);
      }
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  }

  async function removeOwnerReferences(def: ResourceDefinition, obj: KubeObject, uids: readonly string[]): Promise<void> {
    await registry.patch(def, obj.metadata.namespace, obj.metadata.name!, (current) => {
      if (current.metadata.uid !== obj.metadata.uid) throw new StatusError(409, 'Conflict', 'the object was replaced');
      const refs = (current.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
      if (refs.length) current.metadata.ownerReferences = refs;
      else delete current.metadata.ownerReferences;
      return current;
    });
  }

  async function processOwner(def: ResourceDefinition, namespace: string, name: string): Promise<void> {
    const owner = registry.store.get(refOf(def), def.namespaced ? namespace : undefined, name);
    if (!owner?.metadata.deletionTimestamp) return;
    const deps = dependentsOf(owner.metadata.uid!, owner.metadata.namespace, def.namespaced);
    const plan = planOwnerDeletion(owner, deps.map((d) => d.obj));
    const defOf = new Map(deps.map((d) => [d.obj, d.def]));
    try {
      for (const dep of plan.orphan) {
        try {
          await removeOwnerReferences(defOf.get(dep)!, dep, [owner.metadata.uid!]);
        } catch (err) {
          // A dependent gone (or replaced) meanwhile needs no orphaning; it must not stop the
          // others or the finalizer's removal (upstream's orphanDependents ignores NotFound).
          if (!isGone(err)) throw err;
        }
      }
      for (const dep of plan.attempt) await attemptToDelete(defOf.get(dep)!, dep);
      let finalizer = plan.removeFinalizer;
      // Dependents deleted at once (no grace period) may have unblocked the owner already.
      if (!finalizer && blockingDependents(owner, dependentsOf(owner.metadata.uid!, owner.metadata.namespace, def.namespaced).map((d) => d.obj)).length === 0) {
        finalizer = FINALIZER_DELETE_DEPENDENTS;
      }
      if (!finalizer) return;
      await registry.patch(def, owner.metadata.namespace, name, (current) => {
        if (current.metadata.uid !== owner.metadata.uid) throw new StatusError(409, 'Conflict', 'the owner was replaced');
        const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        if (finalizers.length) current.metadata.finalizers = finalizers;
        else delete current.metadata.finalizers;
        return current;
      });
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  }

  return {
    name: 'garbage-collector',
    watches: defs.map((def) => ({ def, keys: keysFor(def) })),
    initialKeys: () => {
      const keys: string[] = [];
      for (const def of defs) {
        for (const obj of registry.store.list(refOf(def))) {
          if ((obj.metadata.ownerReferences ?? []).length) keys.push(keyOf('dependent', def, obj));
          if (obj.metadata.deletionTimestamp && (hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS))) keys.push(keyOf('owner', def, obj));
        }
      }
      return keys;
    },
    async reconcile(key) {
      const [kind, resource, namespace, nameOrUid] = key.split(SEP) as [string, string, string, string];
      const def = defById.get(resource);
      if (!def) return undefined;
      if (kind === 'dependent') {
        const obj = registry.store.get(refOf(def), def.namespaced ? namespace : undefined, nameOrUid);
        if (obj) await attemptToDelete(def, obj);
      } else if (kind === 'owner') {
        await processOwner(def, namespace, nameOrUid);
      } else if (kind === 'gone') {
        for (const { def: depDef, obj } of dependentsOf(nameOrUid, namespace || undefined, def.namespaced)) await attemptToDelete(depDef, obj);
      }
      return undefined;
    },
  };
}
