// Node IPAM (kube-controller-manager's range allocator): a node registered without a podCIDR gets
// the lowest free /24 of the cluster range, so its pods get addresses no other node hands out.
import type { Registry } from '../api/registry.js';
import { nodes } from '../api/resources.js';
import type { KubeObject } from '../store/object.js';
import { podCidr } from '../server/bootstrap.js';
import type { Reconciler } from './runtime.js';

const NODES = { group: '', resource: 'nodes' };
const MAX_NODE_CIDRS = 49_152;

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

/** Pure: the CIDR for a node without one, given every node; undefined when it has one or the range is full. */
export function planNodeCidr(node: KubeObject, all: readonly KubeObject[]): string | undefined {
  const spec = (node.spec ?? {}) as NodeSpec;
  if (spec.podCIDR || spec.podCIDRs?.length) return undefined;
  const used = new Set<string>();
  for (const n of all) {
    const s = (n.spec ?? {}) as NodeSpec;
    for (const c of [s.podCIDR, ...(s.podCIDRs ?? [])]) if (c) used.add(c);
  }
  for (let i = 0; i < MAX_NODE_CIDRS; i++) {
    const cidr = podCidr(i);
    if (!used.has(cidr)) return cidr;
  }
  return undefined;
}

export function nodeIpamController(registry: Registry): Reconciler {
  return {
    name: 'node-ipam',
    watches: [{ def: nodes, keys: (obj) => (planNodeCidr(obj, []) === undefined ? [] : [obj.metadata.name!]) }],
    initialKeys: () => registry.store.list(NODES).filter((n) => planNodeCidr(n, []) !== undefined).map((n) => n.metadata.name!),
    async reconcile(name) {
      const node = registry.store.get(NODES, undefined, name);
      if (!node) return;
      const cidr = planNodeCidr(node, registry.store.list(NODES));
      if (!cidr) return;
      await registry.patch(nodes, undefined, name, (current) => {
        const spec = ((current.spec ??= {}) as NodeSpec);
        spec.podCIDR = cidr;
        spec.podCIDRs = [cidr];
        return current;
      });
    },
  };
}
