// Go's encoding/json as kubectl runs it on a DaemonSet's pod template: decode into the typed
// k8s.io/api structs, marshal, decode into a generic map, marshal again. The result is compact,
// has keys sorted at every level, escapes <>& (and U+2028/U+2029), drops omitempty fields that are
// empty, and shows the zero values of fields without omitempty (`"creationTimestamp":null`,
// `"resources":{}`). ControllerRevision data must be these exact bytes for `kubectl rollout undo`
// to recognise a template it already runs.

/**
 * How a struct field marshals. Pointer scalars are not listed: they marshal as given (and nil is
 * omitted), which is what the generic path does. Fields missing from the table are kept as given
 * rather than dropped, so a field this table does not know never disappears from a revision.
 */
type FieldType =
  | 'str' // string with omitempty: "" omitted
  | 'int' // integer with omitempty: 0 omitted
  | 'bool' // bool with omitempty: false omitted
  | 'str!' // string without omitempty: "" when absent
  | 'int!' // integer without omitempty: 0 when absent
  | 'list' // slice of scalars with omitempty: empty omitted
  | 'map' // map with omitempty: empty omitted
  | 'list!' // slice without omitempty: null when absent
  | 'ptr!' // pointer without omitempty: null when absent
  | 'time' // metav1.Time (a struct): null when absent
  | 'quantity' // resource.Quantity (a struct): "0" when absent
  | 'intstr!' // intstr.IntOrString without omitempty: 0 when absent
  | { list: string; required?: true } // slice of structs
  | { ptr: string } // pointer to struct, omitempty
  | { struct: string }; // struct value: always present

type StructType = Readonly<Record<string, FieldType>>;

const STRUCTS: Readonly<Record<string, StructType>> = {
  PodTemplateSpec: { metadata: { struct: 'ObjectMeta' }, spec: { struct: 'PodSpec' } },
  ObjectMeta: {
    name: 'str', generateName: 'str', namespace: 'str', selfLink: 'str', uid: 'str', resourceVersion: 'str',
    generation: 'int', creationTimestamp: 'time', labels: 'map', annotations: 'map',
    ownerReferences: { list: 'OwnerReference' }, finalizers: 'list', managedFields: 'list',
  },
  OwnerReference: { apiVersion: 'str!', kind: 'str!', name: 'str!', uid: 'str!' },
  PodSpec: {
    volumes: { list: 'Volume' }, initContainers: { list: 'Container' }, containers: { list: 'Container', required: true },
    ephemeralContainers: { list: 'Container' }, restartPolicy: 'str', dnsPolicy: 'str', nodeSelector: 'map',
    serviceAccountName: 'str', serviceAccount: 'str', nodeName: 'str', hostNetwork: 'bool', hostPID: 'bool',
    hostIPC: 'bool', securityContext: { ptr: 'PodSecurityContext' }, imagePullSecrets: { list: 'LocalObjectReference' },
    hostname: 'str', subdomain: 'str', affinity: { ptr: 'Affinity' }, schedulerName: 'str',
    tolerations: { list: 'Toleration' }, hostAliases: { list: 'HostAlias' }, priorityClassName: 'str',
    dnsConfig: { ptr: 'PodDNSConfig' }, readinessGates: { list: 'PodReadinessGate' }, overhead: 'map',
    topologySpreadConstraints: { list: 'TopologySpreadConstraint' }, os: { ptr: 'PodOS' },
    schedulingGates: { list: 'PodSchedulingGate' }, resourceClaims: { list: 'PodResourceClaim' },
    resources: { ptr: 'ResourceRequirements' },
  },
  Container: {
    name: 'str!', image: 'str', command: 'list', args: 'list', workingDir: 'str', ports: { list: 'ContainerPort' },
    envFrom: { list: 'EnvFromSource' }, env: { list: 'EnvVar' }, resources: { struct: 'ResourceRequirements' },
    resizePolicy: { list: 'ContainerResizePolicy' }, volumeMounts: { list: 'VolumeMount' },
    volumeDevices: { list: 'VolumeDevice' }, livenessProbe: { ptr: 'Probe' }, readinessProbe: { ptr: 'Probe' },
    startupProbe: { ptr: 'Probe' }, lifecycle: { ptr: 'Lifecycle' }, terminationMessagePath: 'str',
    terminationMessagePolicy: 'str', imagePullPolicy: 'str', securityContext: { ptr: 'SecurityContext' },
    stdin: 'bool', stdinOnce: 'bool', tty: 'bool', targetContainerName: 'str',
  },
  ContainerPort: { name: 'str', hostPort: 'int', containerPort: 'int!', protocol: 'str', hostIP: 'str' },
  EnvVar: { name: 'str!', value: 'str', valueFrom: { ptr: 'EnvVarSource' } },
  EnvVarSource: {
    fieldRef: { ptr: 'ObjectFieldSelector' }, resourceFieldRef: { ptr: 'ResourceFieldSelector' },
    configMapKeyRef: { ptr: 'KeySelector' }, secretKeyRef: { ptr: 'KeySelector' },
  },
  ObjectFieldSelector: { apiVersion: 'str', fieldPath: 'str!' },
  ResourceFieldSelector: { containerName: 'str', resource: 'str!', divisor: 'quantity' },
  KeySelector: { name: 'str', key: 'str!' },
  EnvFromSource: { prefix: 'str', configMapRef: { ptr: 'LocalObjectReference' }, secretRef: { ptr: 'LocalObjectReference' } },
  LocalObjectReference: { name: 'str' },
  ResourceRequirements: { limits: 'map', requests: 'map', claims: { list: 'ResourceClaim' } },
  ResourceClaim: { name: 'str!', request: 'str' },
  ContainerResizePolicy: { resourceName: 'str!', restartPolicy: 'str!' },
  VolumeMount: { name: 'str!', readOnly: 'bool', mountPath: 'str!', subPath: 'str', subPathExpr: 'str' },
  VolumeDevice: { name: 'str!', devicePath: 'str!' },
  Probe: {
    exec: { ptr: 'ExecAction' }, httpGet: { ptr: 'HTTPGetAction' }, tcpSocket: { ptr: 'TCPSocketAction' },
    grpc: { ptr: 'GRPCAction' }, initialDelaySeconds: 'int', timeoutSeconds: 'int', periodSeconds: 'int',
    successThreshold: 'int', failureThreshold: 'int',
  },
  ExecAction: { command: 'list' },
  HTTPGetAction: { path: 'str', port: 'intstr!', host: 'str', scheme: 'str', httpHeaders: { list: 'HTTPHeader' } },
  HTTPHeader: { name: 'str!', value: 'str!' },
  TCPSocketAction: { port: 'intstr!', host: 'str' },
  GRPCAction: { port: 'int!', service: 'ptr!' },
  Lifecycle: { postStart: { ptr: 'LifecycleHandler' }, preStop: { ptr: 'LifecycleHandler' } },
  LifecycleHandler: {
    exec: { ptr: 'ExecAction' }, httpGet: { ptr: 'HTTPGetAction' }, tcpSocket: { ptr: 'TCPSocketAction' },
    sleep: { ptr: 'SleepAction' },
  },
  SleepAction: { seconds: 'int!' },
  SecurityContext: {
    capabilities: { ptr: 'Capabilities' }, seLinuxOptions: { ptr: 'SELinuxOptions' },
    seccompProfile: { ptr: 'SeccompProfile' }, appArmorProfile: { ptr: 'SeccompProfile' },
  },
  Capabilities: { add: 'list', drop: 'list' },
  SELinuxOptions: { user: 'str', role: 'str', type: 'str', level: 'str' },
  SeccompProfile: { type: 'str!' },
  PodSecurityContext: {
    seLinuxOptions: { ptr: 'SELinuxOptions' }, supplementalGroups: 'list', sysctls: { list: 'Sysctl' },
    seccompProfile: { ptr: 'SeccompProfile' }, appArmorProfile: { ptr: 'SeccompProfile' },
  },
  Sysctl: { name: 'str!', value: 'str!' },
  Affinity: { nodeAffinity: { ptr: 'NodeAffinity' }, podAffinity: { ptr: 'PodAffinity' }, podAntiAffinity: { ptr: 'PodAffinity' } },
  NodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: { ptr: 'NodeSelector' },
    preferredDuringSchedulingIgnoredDuringExecution: { list: 'PreferredSchedulingTerm' },
  },
  NodeSelector: { nodeSelectorTerms: { list: 'NodeSelectorTerm', required: true } },
  NodeSelectorTerm: { matchExpressions: { list: 'NodeSelectorRequirement' }, matchFields: { list: 'NodeSelectorRequirement' } },
  NodeSelectorRequirement: { key: 'str!', operator: 'str!', values: 'list' },
  PreferredSchedulingTerm: { weight: 'int!', preference: { struct: 'NodeSelectorTerm' } },
  PodAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: { list: 'PodAffinityTerm' },
    preferredDuringSchedulingIgnoredDuringExecution: { list: 'WeightedPodAffinityTerm' },
  },
  PodAffinityTerm: {
    labelSelector: { ptr: 'LabelSelector' }, namespaces: 'list', topologyKey: 'str!',
    namespaceSelector: { ptr: 'LabelSelector' }, matchLabelKeys: 'list', mismatchLabelKeys: 'list',
  },
  WeightedPodAffinityTerm: { weight: 'int!', podAffinityTerm: { struct: 'PodAffinityTerm' } },
  LabelSelector: { matchLabels: 'map', matchExpressions: { list: 'LabelSelectorRequirement' } },
  LabelSelectorRequirement: { key: 'str!', operator: 'str!', values: 'list' },
  Toleration: { key: 'str', operator: 'str', value: 'str', effect: 'str' },
  HostAlias: { ip: 'str', hostnames: 'list' },
  PodDNSConfig: { nameservers: 'list', searches: 'list', options: { list: 'PodDNSConfigOption' } },
  PodDNSConfigOption: { name: 'str' },
  PodReadinessGate: { conditionType: 'str!' },
  TopologySpreadConstraint: {
    maxSkew: 'int!', topologyKey: 'str!', whenUnsatisfiable: 'str!', labelSelector: { ptr: 'LabelSelector' },
    matchLabelKeys: 'list',
  },
  PodOS: { name: 'str!' },
  PodSchedulingGate: { name: 'str!' },
  PodResourceClaim: { name: 'str!' },
  Volume: {
    name: 'str!', hostPath: { ptr: 'HostPathVolumeSource' }, emptyDir: { ptr: 'EmptyDirVolumeSource' },
    secret: { ptr: 'SecretVolumeSource' }, configMap: { ptr: 'ConfigMapVolumeSource' },
    persistentVolumeClaim: { ptr: 'PersistentVolumeClaimVolumeSource' }, downwardAPI: { ptr: 'DownwardAPIVolumeSource' },
    projected: { ptr: 'ProjectedVolumeSource' }, csi: { ptr: 'CSIVolumeSource' }, image: { ptr: 'ImageVolumeSource' },
  },
  HostPathVolumeSource: { path: 'str!' },
  EmptyDirVolumeSource: { medium: 'str' },
  SecretVolumeSource: { secretName: 'str', items: { list: 'KeyToPath' } },
  ConfigMapVolumeSource: { name: 'str', items: { list: 'KeyToPath' } },
  KeyToPath: { key: 'str!', path: 'str!' },
  PersistentVolumeClaimVolumeSource: { claimName: 'str!', readOnly: 'bool' },
  DownwardAPIVolumeSource: { items: { list: 'DownwardAPIVolumeFile' } },
  DownwardAPIVolumeFile: { path: 'str!', fieldRef: { ptr: 'ObjectFieldSelector' }, resourceFieldRef: { ptr: 'ResourceFieldSelector' } },
  ProjectedVolumeSource: { sources: { list: 'VolumeProjection', required: true } },
  VolumeProjection: {
    secret: { ptr: 'ProjectionSource' }, configMap: { ptr: 'ProjectionSource' },
    downwardAPI: { ptr: 'DownwardAPIVolumeSource' }, serviceAccountToken: { ptr: 'ServiceAccountTokenProjection' },
  },
  ProjectionSource: { name: 'str', items: { list: 'KeyToPath' } },
  ServiceAccountTokenProjection: { audience: 'str', path: 'str!' },
  CSIVolumeSource: { driver: 'str!', volumeAttributes: 'map' },
  ImageVolumeSource: { reference: 'str', pullPolicy: 'str' },
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Go's map key order: by UTF-8 bytes, i.e. by code point (not by UTF-16 unit). */
export function compareGoKeys(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A copy of a JSON value with every object's keys inserted in Go's order; nulls in objects dropped. */
function generic(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(generic);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareGoKeys)) {
    // An unknown field reaches Go as nothing at all; null is the only value we may drop safely.
    if (value[key] !== null && value[key] !== undefined) out[key] = generic(value[key]);
  }
  return out;
}

function zeroOf(type: FieldType): { value: unknown } | undefined {
  if (typeof type === 'object') {
    if ('struct' in type) return { value: encodeStruct({}, type.struct) };
    if ('list' in type && type.required) return { value: null };
    return undefined;
  }
  switch (type) {
    case 'str!':
      return { value: '' };
    case 'int!':
    case 'intstr!':
      return { value: 0 };
    case 'list!':
    case 'ptr!':
    case 'time':
      return { value: null };
    case 'quantity':
      return { value: '0' };
    default:
      return undefined;
  }
}

/** The value Go would emit for a present field, or undefined when omitempty drops it. */
function encodeField(value: unknown, type: FieldType): { value: unknown } | undefined {
  if (value === null || value === undefined) return zeroOf(type);
  if (typeof type === 'object') {
    if ('struct' in type) return { value: encodeStruct(isObject(value) ? value : {}, type.struct) };
    if ('ptr' in type) return { value: isObject(value) ? encodeStruct(value, type.ptr) : generic(value) };
    if (!Array.isArray(value)) return { value: generic(value) };
    if (value.length === 0 && !type.required) return undefined;
    return { value: value.map((item) => (isObject(item) ? encodeStruct(item, type.list) : generic(item))) };
  }
  switch (type) {
    case 'str':
    case 'int':
    case 'bool':
      return value === '' || value === 0 || value === false ? undefined : { value };
    case 'list':
      return Array.isArray(value) && value.length === 0 ? undefined : { value: generic(value) };
    case 'map':
      return isObject(value) && Object.keys(value).length === 0 ? undefined : { value: generic(value) };
    default:
      return { value: generic(value) };
  }
}

function encodeStruct(value: Record<string, unknown>, typeName: string): Record<string, unknown> {
  const fields = STRUCTS[typeName] ?? {};
  const entries: Array<[string, unknown]> = [];
  for (const [key, type] of Object.entries(fields)) {
    const encoded = encodeField(value[key], type);
    if (encoded) entries.push([key, encoded.value]);
  }
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(fields, key) || value[key] === null || value[key] === undefined) continue;
    entries.push([key, generic(value[key])]);
  }
  entries.sort(([a], [b]) => compareGoKeys(a, b));
  return Object.fromEntries(entries);
}

/** A pod template as Go round-trips it (typed, then generic): a new object, keys in Go's order. */
export function goPodTemplate(template: unknown): Record<string, unknown> {
  return encodeStruct(isObject(template) ? template : {}, 'PodTemplateSpec');
}

const HEX = '0123456789abcdef';

/** What goQuote must rewrite; most strings (names, images, labels) contain none of it. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

/** A JSON string literal exactly as Go's encoder writes it (HTML-safe escaping). */
export function goQuote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += '\\u' + [12, 8, 4, 0].map((shift) => HEX[(c >> shift) & 15]).join('');
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'; // a lone surrogate is invalid UTF-8 to Go
    else out += ch;
  }
  return out + '"';
}

/** Compact JSON with Go's key order and escaping at every level (json.Marshal of a generic map). */
export function canonicalJSON(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareGoKeys);
    return `{${keys.map((k) => `${goQuote(k)}:${canonicalJSON(value[k])}`).join(',')}}`;
  }
  return 'null';
}
