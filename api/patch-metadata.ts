// Strategic-merge-patch metadata of the served kinds, as data. Upstream reads it from Go struct
// tags (`patchStrategy:"merge" patchMergeKey:"name"`); the same facts are published in OpenAPI as
// `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`, so a PatchSchema can equally be
// built from an OpenAPI document. Paths a schema does not name are plain maps and atomic lists.

/** How a list is patched; undefined means atomic (the patch's list replaces the live one). */
export type ListPatchStrategy = 'merge' | 'merge,retainKeys' | 'retainKeys';

/** A struct or a map: `fields` names known keys, `values` describes every other key (map[string]T). */
export interface ObjectPatchSchema {
  readonly type: 'object';
  readonly fields?: Readonly<Record<string, PatchSchema>>;
  readonly values?: PatchSchema;
  /** `replace`: a patch replaces the whole map. `retainKeys` only tells clients to send `$retainKeys`. */
  readonly strategy?: 'replace' | 'retainKeys';
}

/** A list: merged by `mergeKey` (lists of objects) or as a set (primitives) when the strategy merges. */
export interface ListPatchSchema {
  readonly type: 'list';
  readonly strategy?: ListPatchStrategy;
  readonly mergeKey?: string;
  /** The element schema of a list of objects; absent for lists of primitives. */
  readonly items?: PatchSchema;
}

export type PatchSchema = ObjectPatchSchema | ListPatchSchema;

/** True when the strategy merges list elements (`merge` or `merge,retainKeys`). */
export function mergesElements(strategy: ListPatchStrategy | undefined): boolean {
  return strategy === 'merge' || strategy === 'merge,retainKeys';
}

/** The schema of `key` inside an object schema; undefined for unknown keys and non-objects. */
export function fieldSchema(schema: PatchSchema | undefined, key: string): PatchSchema | undefined {
  if (schema?.type !== 'object') return undefined;
  if (schema.fields && Object.hasOwn(schema.fields, key)) return schema.fields[key];
  return schema.values;
}

const object = (fields?: Record<string, PatchSchema>, strategy?: ObjectPatchSchema['strategy']): ObjectPatchSchema => ({
  type: 'object',
  ...(fields ? { fields } : {}),
  ...(strategy ? { strategy } : {}),
});
const mapOf = (values?: PatchSchema): ObjectPatchSchema => ({ type: 'object', ...(values ? { values } : {}) });
const atomic = (items?: PatchSchema): ListPatchSchema => ({ type: 'list', ...(items ? { items } : {}) });
const mergeBy = (mergeKey: string, items: PatchSchema, strategy: ListPatchStrategy = 'merge'): ListPatchSchema => ({
  type: 'list',
  strategy,
  mergeKey,
  items,
});
/** A list of strings merged as a set (`patchStrategy:"merge"` without a merge key). */
const primitiveSet: ListPatchSchema = { type: 'list', strategy: 'merge' };
const plain = object();

// meta/v1
const labelSelector = object({
  matchLabels: mapOf(),
  matchExpressions: atomic(object({ values: atomic() })),
});

const objectMeta = object({
  labels: mapOf(),
  annotations: mapOf(),
  finalizers: primitiveSet,
  ownerReferences: mergeBy('uid', plain),
  managedFields: atomic(plain),
});

// core/v1
const container = object({
  command: atomic(),
  args: atomic(),
  ports: mergeBy('containerPort', plain),
  envFrom: atomic(plain),
  env: mergeBy('name', plain),
  resources: object({ limits: mapOf(), requests: mapOf(), claims: atomic(plain) }),
  resizePolicy: atomic(plain),
  volumeMounts: mergeBy('mountPath', plain),
  volumeDevices: mergeBy('devicePath', plain),
});

const podSpec = object({
  volumes: mergeBy('name', plain, 'merge,retainKeys'),
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  nodeSelector: mapOf(),
  imagePullSecrets: mergeBy('name', plain),
  affinity: plain,
  tolerations: atomic(plain),
  hostAliases: mergeBy('ip', object({ hostnames: atomic() })),
  dnsConfig: object({ nameservers: atomic(), searches: atomic(), options: atomic(plain) }),
  readinessGates: atomic(plain),
  overhead: mapOf(),
  topologySpreadConstraints: mergeBy('topologyKey', object({ labelSelector, matchLabelKeys: atomic() })),
  schedulingGates: mergeBy('name', plain),
  resourceClaims: mergeBy('name', plain, 'merge,retainKeys'),
});

const podStatus = object({
  conditions: mergeBy('type', plain),
  hostIPs: mergeBy('ip', plain),
  podIPs: mergeBy('ip', plain),
  initContainerStatuses: atomic(plain),
  containerStatuses: atomic(plain),
  ephemeralContainerStatuses: atomic(plain),
  resourceClaimStatuses: mergeBy('name', plain, 'merge,retainKeys'),
});

const podTemplateSpec = object({ metadata: objectMeta, spec: podSpec });

const nodeSpec = object({
  podCIDRs: primitiveSet,
  taints: atomic(plain),
});

const nodeStatus = object({
  capacity: mapOf(),
  allocatable: mapOf(),
  conditions: mergeBy('type', plain),
  addresses: mergeBy('type', plain),
  images: atomic(object({ names: atomic() })),
  volumesInUse: atomic(),
  volumesAttached: atomic(plain),
  runtimeHandlers: atomic(plain),
});

const namespaceSpec = object({ finalizers: atomic() });
const namespaceStatus = object({ conditions: mergeBy('type', plain) });

// apps/v1: DaemonSetSpec.updateStrategy carries no patch strategy upstream (Deployment's strategy does).
const daemonSetSpec = object({
  selector: labelSelector,
  template: podTemplateSpec,
  updateStrategy: object({ rollingUpdate: plain }),
});
const daemonSetStatus = object({ conditions: mergeBy('type', plain) });

const SCHEMAS: ReadonlyMap<string, PatchSchema> = new Map<string, PatchSchema>([
  ['/Namespace', object({ metadata: objectMeta, spec: namespaceSpec, status: namespaceStatus })],
  ['/Node', object({ metadata: objectMeta, spec: nodeSpec, status: nodeStatus })],
  ['/Pod', object({ metadata: objectMeta, spec: podSpec, status: podStatus })],
  ['/Event', object({ metadata: objectMeta })],
  ['apps/DaemonSet', object({ metadata: objectMeta, spec: daemonSetSpec, status: daemonSetStatus })],
  // data is a RawExtension holding a serialized object; it merges as a plain map.
  ['apps/ControllerRevision', object({ metadata: objectMeta, data: plain })],
  ['coordination.k8s.io/Lease', object({ metadata: objectMeta, spec: plain })],
]);

/** The patch schema of a kind; undefined for kinds without one (every map merges, every list is atomic). */
export function patchSchemaFor(group: string, kind: string): PatchSchema | undefined {
  return SCHEMAS.get(`${group}/${kind}`);
}
