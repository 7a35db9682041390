// The resource table: every kind kubemock serves, one row each. Discovery, OpenAPI, routing and
// the registry all read it; a new kind is a row here plus its strategy and printer.
import type { KubeObject } from '../store/object.js';
import type { ResourceDefinition, SubresourceDefinition, Verb } from './types.js';
import { namespaceStrategy } from './kinds/namespace.js';
import { nodeStrategy } from './kinds/node.js';
import { podStrategy } from './kinds/pod.js';
import { eventStrategy } from './kinds/event.js';
import { daemonSetStrategy } from './kinds/daemonset.js';
import { controllerRevisionStrategy } from './kinds/controllerrevision.js';
import { leaseStrategy } from './kinds/lease.js';
import { namespaceFinalizeStrategy, podBindingStrategy } from './kinds/subresources.js';
import { namespaceTable } from './printers/namespace.js';
import { nodeTable } from './printers/node.js';
import { podTable } from './printers/pod.js';
import { eventTable } from './printers/event.js';
import { daemonSetTable } from './printers/daemonset.js';
import { controllerRevisionTable } from './printers/controllerrevision.js';
import { leaseTable } from './printers/lease.js';

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION_DELETE: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

function status(kind: string): SubresourceDefinition {
  return { name: 'status', kind, verbs: STATUS_VERBS };
}

/** Reads a dotted path of plain fields as a field selector value ("" when absent). */
function field(path: string): (obj: KubeObject) => string {
  const parts = path.split('.');
  return (obj) => {
    let v: unknown = obj;
    for (const p of parts) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    return v === undefined || v === null ? '' : String(v);
  };
}

export const namespaces: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  verbs: NO_COLLECTION_DELETE,
  subresources: [status('Namespace'), { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  strategy: namespaceStrategy,
  subresourceStrategies: { finalize: namespaceFinalizeStrategy },
  table: namespaceTable,
  fieldSelectors: { 'status.phase': field('status.phase') },
  returnDeletedObject: true,
};

export const nodes: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [status('Node')],
  strategy: nodeStrategy,
  table: nodeTable,
  fieldSelectors: { 'spec.unschedulable': (obj) => String(Boolean((obj.spec as { unschedulable?: boolean } | undefined)?.unschedulable)) },
};

export const pods: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: ALL_VERBS,
  subresources: [
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    status('Pod'),
  ],
  strategy: podStrategy,
  subresourceStrategies: { binding: podBindingStrategy },
  returnDeletedObject: true,
  table: podTable,
  fieldSelectors: {
    'spec.nodeName': field('spec.nodeName'),
    'spec.restartPolicy': field('spec.restartPolicy'),
    'spec.schedulerName': field('spec.schedulerName'),
    'spec.serviceAccountName': field('spec.serviceAccountName'),
    'spec.hostNetwork': (obj) => String(Boolean((obj.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork)),
    'status.phase': field('status.phase'),
    'status.podIP': field('status.podIP'),
    'status.nominatedNodeName': field('status.nominatedNodeName'),
  },
};

export const events: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  strategy: eventStrategy,
  table: eventTable,
  fieldSelectors: {
    'involvedObject.kind': field('involvedObject.kind'),
    'involvedObject.namespace': field('involvedObject.namespace'),
    'involvedObject.name': field('involvedObject.name'),
    'involvedObject.uid': field('involvedObject.uid'),
    'involvedObject.apiVersion': field('involvedObject.apiVersion'),
    'involvedObject.resourceVersion': field('involvedObject.resourceVersion'),
    'involvedObject.fieldPath': field('involvedObject.fieldPath'),
    reason: field('reason'),
    reportingComponent: field('reportingComponent'),
    source: field('source.component'),
    type: field('type'),
  },
};

export const leases: ResourceDefinition = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  strategy: leaseStrategy,
  table: leaseTable,
  fieldSelectors: {},
};

export const daemonSets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  verbs: ALL_VERBS,
  subresources: [status('DaemonSet')],
  strategy: daemonSetStrategy,
  table: daemonSetTable,
  fieldSelectors: {},
};

export const controllerRevisions: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  subresources: [],
  strategy: controllerRevisionStrategy,
  table: controllerRevisionTable,
  fieldSelectors: {},
};

/** Every served kind, core group first (discovery lists them in this order). */
export const RESOURCES: readonly ResourceDefinition[] = [namespaces, nodes, pods, events, leases, daemonSets, controllerRevisions];
