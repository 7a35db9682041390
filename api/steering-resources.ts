// The kubemock.dev/v1alpha1 rows of the resource table: the controls that steer the simulated
// cluster (node failure, placement explanations, API faults, the request log, the clock, pod and
// node stages). Served by the same generic handler, registry, discovery and OpenAPI as every kind;
// kept apart from RESOURCES, which lists the upstream kinds generated from kubernetes-types.
import type { ResourceDefinition, SubresourceDefinition, Verb } from './types.js';
import { STEERING_GROUP, STEERING_VERSION, specOf, statusOf } from './kinds/steering-common.js';
import { nodeControlStrategy } from './kinds/nodecontrol.js';
import { nodeControlTable } from './printers/nodecontrol.js';
import { daemonSetPlacementStrategy } from './kinds/daemonsetplacement.js';
import { daemonSetPlacementTable } from './printers/daemonsetplacement.js';
import { faultRuleStrategy } from './kinds/faultrule.js';
import { faultRuleTable } from './printers/faultrule.js';
import { recordedRequestStrategy, recordedOf } from './kinds/recordedrequest.js';
import { recordedRequestTable } from './printers/recordedrequest.js';
import { prefixFromUserAgent } from './managed-fields.js';
import { clockStrategy } from './kinds/clock.js';
import { clockTable } from './printers/clock.js';
import { podStageStrategy } from './kinds/podstage.js';
import { podStageTable } from './printers/podstage.js';
import { nodeStageStrategy } from './kinds/nodestage.js';
import { nodeStageTable } from './printers/nodestage.js';

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const READ_ONLY: readonly Verb[] = ['get', 'list', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

function status(kind: string): SubresourceDefinition {
  return { name: 'status', kind, verbs: STATUS_VERBS };
}

const specField = (name: string) => (obj: Parameters<typeof specOf>[0]) => String(specOf(obj)[name] ?? '');
const statusField = (name: string) => (obj: Parameters<typeof statusOf>[0]) => String(statusOf(obj)[name] ?? '');

export const nodeControls: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'NodeControl',
  listKind: 'NodeControlList',
  plural: 'nodecontrols',
  singular: 'nodecontrol',
  namespaced: false,
  shortNames: ['nctl'],
  categories: ['kubemock'],
  verbs: ALL_VERBS,
  subresources: [status('NodeControl')],
  strategy: nodeControlStrategy,
  table: nodeControlTable,
  fieldSelectors: { 'spec.kubelet': specField('kubelet'), 'status.nodeReady': statusField('nodeReady') },
};

export const daemonSetPlacements: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'DaemonSetPlacement',
  listKind: 'DaemonSetPlacementList',
  plural: 'daemonsetplacements',
  singular: 'daemonsetplacement',
  namespaced: true,
  shortNames: ['dsp'],
  categories: ['kubemock'],
  verbs: READ_ONLY,
  subresources: [],
  strategy: daemonSetPlacementStrategy,
  table: daemonSetPlacementTable,
  fieldSelectors: {},
};

export const faultRules: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'FaultRule',
  listKind: 'FaultRuleList',
  plural: 'faultrules',
  singular: 'faultrule',
  namespaced: false,
  shortNames: ['fr'],
  categories: ['kubemock'],
  verbs: ALL_VERBS,
  subresources: [status('FaultRule')],
  strategy: faultRuleStrategy,
  table: faultRuleTable,
  fieldSelectors: { 'status.phase': statusField('phase') },
};

export const recordedRequests: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'RecordedRequest',
  listKind: 'RecordedRequestList',
  plural: 'recordedrequests',
  singular: 'recordedrequest',
  namespaced: false,
  shortNames: ['rreq'],
  categories: ['kubemock'],
  // Served from memory by the request log (Registry.serveFrom): read and watched, never written.
  verbs: ['get', 'list', 'watch'],
  subresources: [],
  strategy: recordedRequestStrategy,
  table: recordedRequestTable,
  fieldSelectors: {
    verb: (obj) => recordedOf(obj).verb ?? '',
    stage: (obj) => recordedOf(obj).stage ?? '',
    userAgent: (obj) => recordedOf(obj).userAgent ?? '',
    // The User-Agent up to its first slash (`kubectl.1.33`, `my-controller`), as field managers are named.
    client: (obj) => prefixFromUserAgent(recordedOf(obj).userAgent),
    requestURI: (obj) => recordedOf(obj).requestURI ?? '',
    'objectRef.resource': (obj) => recordedOf(obj).objectRef?.resource ?? '',
    'objectRef.namespace': (obj) => recordedOf(obj).objectRef?.namespace ?? '',
    'objectRef.name': (obj) => recordedOf(obj).objectRef?.name ?? '',
    'objectRef.apiGroup': (obj) => recordedOf(obj).objectRef?.apiGroup ?? '',
    'objectRef.subresource': (obj) => recordedOf(obj).objectRef?.subresource ?? '',
    'responseStatus.code': (obj) => String(recordedOf(obj).responseStatus?.code ?? ''),
  },
};

export const clocks: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'Clock',
  listKind: 'ClockList',
  plural: 'clocks',
  singular: 'clock',
  namespaced: false,
  shortNames: [],
  categories: ['kubemock'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [status('Clock')],
  strategy: clockStrategy,
  table: clockTable,
  fieldSelectors: {},
};

export const podStages: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'PodStage',
  listKind: 'PodStageList',
  plural: 'podstages',
  singular: 'podstage',
  namespaced: false,
  shortNames: ['pst'],
  categories: ['kubemock'],
  verbs: ALL_VERBS,
  subresources: [],
  strategy: podStageStrategy,
  table: podStageTable,
  fieldSelectors: {},
};

export const nodeStages: ResourceDefinition = {
  group: STEERING_GROUP,
  version: STEERING_VERSION,
  kind: 'NodeStage',
  listKind: 'NodeStageList',
  plural: 'nodestages',
  singular: 'nodestage',
  namespaced: false,
  shortNames: ['nst'],
  categories: ['kubemock'],
  verbs: ALL_VERBS,
  subresources: [],
  strategy: nodeStageStrategy,
  table: nodeStageTable,
  fieldSelectors: {},
};

/** Every kubemock.dev kind, in discovery order. */
export const STEERING_RESOURCES: readonly ResourceDefinition[] = [nodeControls, daemonSetPlacements, faultRules, recordedRequests, clocks, podStages, nodeStages];
