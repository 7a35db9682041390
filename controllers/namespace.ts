// Namespace lifecycle: a namespace being deleted (phase Terminating) has everything in it
// deleted; once it is empty its `kubernetes` finalizer is removed and the namespace goes.
import type { Registry } from '../api/registry.js';
import { namespaces } from '../api/resources.js';
import type { ResourceDefinition } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import type { Reconciler } from './runtime.js';

const NAMESPACE_REF = { group: '', resource: 'namespaces' };

/** Pure: which objects of a terminating namespace still need a delete call. */
export function planNamespaceCleanup(contents: readonly KubeObject[]): { remaining: number; toDelete: KubeObject[] } {
  return { remaining: contents.length, toDelete: contents.filter((o) => !o.metadata.deletionTimestamp) };
}

export function namespaceController(registry: Registry): Reconciler {
  const namespaced = registry.resources.filter((d) => d.namespaced);
  const terminatingNamespaceOf = (obj: KubeObject): string[] => {
    const ns = obj.metadata.namespace;
    if (!ns) return [];
    return registry.store.get(NAMESPACE_REF, undefined, ns)?.metadata.deletionTimestamp ? [ns] : [];
  };
  return {
    name: 'namespace',
    watches: [
      { def: namespaces, keys: (obj) => [obj.metadata.name!] },
      ...namespaced.map((def: ResourceDefinition) => ({ def, keys: terminatingNamespaceOf })),
    ],
    initialKeys: () => registry.store.list(NAMESPACE_REF).filter((ns) => ns.metadata.deletionTimestamp).map((ns) => ns.metadata.name!),
    async reconcile(name) {
      const ns = registry.store.get(NAMESPACE_REF, undefined, name);
      if (!ns?.metadata.deletionTimestamp) return;
      let remaining = 0;
      for (const def of namespaced) {
        const plan = planNamespaceCleanup(registry.store.list({ group: def.group, resource: def.plural }, name));
        remaining += plan.remaining;
        for (const obj of plan.toDelete) {
          try {
            await registry.delete(def, name, obj.metadata.name!, { propagationPolicy: 'Background' });
          } catch (err) {
            if (!(err instanceof StatusError) || err.code !== 404) throw err;
          }
        }
      }
      if (remaining > 0) return { requeueAfterMs: 1000 };
      await registry.patch(namespaces, undefined, name, (current) => {
        const spec = (current.spec ?? {}) as { finalizers?: string[] };
        spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== 'kubernetes');
        if (spec.finalizers.length === 0) delete spec.finalizers;
        current.spec = spec;
        return current;
      }, { subresource: 'finalize' });
      return undefined;
    },
  };
}
