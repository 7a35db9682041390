// Node failure and recovery: a NodeControl named after a node stops or starts that node's
// simulated kubelet (the kubelet reads isKubeletStopped), and this controller mirrors the node
// into the NodeControl's status (Ready condition, taints) so `kubectl get nodecontrols` shows the
// failure progressing: Unknown after the grace period, then the unreachable taints.
import type { Node } from 'kubernetes-types/core/v1.js';
import { refOf, type Registry } from '../../api/registry.js';
import { nodes } from '../../api/resources.js';
import { nodeControls } from '../../api/steering-resources.js';
import { desiredKubeletState } from '../../api/kinds/nodecontrol.js';
import type { KubeObject } from '../../store/object.js';
import { writeStatusIfChanged } from '../status-writer.js';
import type { Reconciler } from '../runtime.js';

const CONTROLS = refOf(nodeControls);
const NODES = refOf(nodes);

export interface NodeControlStatus {
  observedGeneration: number;
  nodeReady: string;
  taints: string[];
}

/** A taint as kubectl describe prints it: key=value:Effect (key:Effect without a value). */
export function taintText(t: { key: string; value?: string; effect: string }): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** Pure: the status a NodeControl should carry for its node (undefined node: not found). */
export function planNodeControlStatus(control: KubeObject, node: Node | undefined): NodeControlStatus {
  const ready = (node?.status?.conditions ?? []).findLast((c) => c.type === 'Ready');
  return {
    observedGeneration: control.metadata.generation ?? 1,
    nodeReady: node ? (ready?.status ?? 'Unknown') : '',
    taints: (node?.spec?.taints ?? []).map(taintText),
  };
}

/** The kubelet's isStopped: true while a NodeControl named after the node asks for Stopped. */
export function isKubeletStopped(registry: Registry): (nodeName: string) => boolean {
  return (nodeName) => desiredKubeletState(registry.store.get(CONTROLS, undefined, nodeName)) === 'Stopped';
}

/** The watch that wakes a node's kubelet when its NodeControl changes (KubeletOptions.wakeOn). */
export const kubeletWakeOnNodeControl: Reconciler['watches'] = [{ def: nodeControls, keys: (obj) => [obj.metadata.name!] }];

/** Keeps each NodeControl's status in step with its node (key = the shared name). */
export function nodeControlController(registry: Registry): Reconciler {
  return {
    name: 'node-control',
    watches: [
      { def: nodeControls, keys: (obj) => [obj.metadata.name!] },
      // Only nodes that have a control: heartbeats of the others cost nothing.
      { def: nodes, keys: (obj) => (registry.store.get(CONTROLS, undefined, obj.metadata.name!) ? [obj.metadata.name!] : []) },
    ],
    initialKeys: () => registry.store.list(CONTROLS).map((c) => c.metadata.name!),
    async reconcile(name) {
      const control = registry.store.get(CONTROLS, undefined, name);
      if (!control) return;
      const node = registry.store.get(NODES, undefined, name) as unknown as Node | undefined;
      return writeStatusIfChanged(registry, nodeControls, control, planNodeControlStatus(control, node));
    },
  };
}
