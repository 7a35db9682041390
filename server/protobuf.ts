// Decoding of Kubernetes protobuf request bodies (Content-Type: application/vnd.kubernetes.protobuf).
//
// kubectl 1.32+ (client-go >= 0.32 typed clients) send protobuf for typed writes, and answer a 415
// with an error instead of retrying as JSON, so the server has to read them. The body is the magic
// "k8s\0" followed by a runtime.Unknown envelope whose `raw` field holds the object's own message.
//
// The output is the JSON form the apiserver would produce for the same Go object: Go's encoding/json
// with the API's struct tags. Go's protobuf marshaller writes every non-pointer field, even when it is
// zero, so which zeros survive is decided by the table below (`keepZero` marks pointer fields and
// fields without omitempty), not by what happens to be on the wire.

const MAGIC = Buffer.from('k8s\0', 'latin1');

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

type ScalarType = 'string' | 'bool' | 'int';
// Wrapper messages whose JSON form is a single value rather than an object.
type SpecialType = 'time' | 'microTime' | 'quantity' | 'intOrString' | 'rawJSON';
type FieldType = ScalarType | SpecialType | { readonly message: string };

interface FieldSpec {
  /** JSON name; unused for inline fields. */
  readonly name: string;
  readonly type: FieldType;
  readonly list?: boolean;
  /** map<string, type>: repeated entries of {1: key, 2: value}. */
  readonly map?: boolean;
  /** Emit zero values too: Go pointer fields and fields whose json tag lacks omitempty. */
  readonly keepZero?: boolean;
  /** Embedded Go struct: its fields are merged into the parent object. */
  readonly inline?: boolean;
}

type MessageSpec = Readonly<Record<number, FieldSpec>>;

interface Opts {
  readonly keepZero?: boolean;
}

const KEEP: Opts = { keepZero: true };

const str = (name: string, o?: Opts): FieldSpec => ({ name, type: 'string', ...o });
const bool = (name: string, o?: Opts): FieldSpec => ({ name, type: 'bool', ...o });
const int = (name: string, o?: Opts): FieldSpec => ({ name, type: 'int', ...o });
const strList = (name: string): FieldSpec => ({ name, type: 'string', list: true });
const intList = (name: string): FieldSpec => ({ name, type: 'int', list: true });
const strMap = (name: string): FieldSpec => ({ name, type: 'string', map: true });
const quantity = (name: string): FieldSpec => ({ name, type: 'quantity' });
const quantityMap = (name: string): FieldSpec => ({ name, type: 'quantity', map: true });
const time = (name: string): FieldSpec => ({ name, type: 'time' });
const microTime = (name: string): FieldSpec => ({ name, type: 'microTime' });
const intOrString = (name: string): FieldSpec => ({ name, type: 'intOrString' });
const rawJSON = (name: string): FieldSpec => ({ name, type: 'rawJSON' });
const msg = (name: string, message: string): FieldSpec => ({ name, type: { message } });
const msgList = (name: string, message: string): FieldSpec => ({ name, type: { message }, list: true });
const inline = (message: string): FieldSpec => ({ name: '', type: { message }, inline: true });

// Field numbers are those of k8s.io/apimachinery meta/v1 and k8s.io/api core/v1 and policy/v1.
// Messages are referenced by name so that the table can be declared in any order.
// Fields missing here are skipped like any unknown protobuf field.
const MESSAGES: Readonly<Record<string, MessageSpec>> = {
  // --- meta/v1 ---
  ObjectMeta: {
    1: str('name'),
    2: str('generateName'),
    3: str('namespace'),
    4: str('selfLink'),
    5: str('uid'),
    6: str('resourceVersion'),
    7: int('generation'),
    8: time('creationTimestamp'),
    9: time('deletionTimestamp'),
    10: int('deletionGracePeriodSeconds', KEEP),
    11: strMap('labels'),
    12: strMap('annotations'),
    13: msgList('ownerReferences', 'OwnerReference'),
    14: strList('finalizers'),
    17: msgList('managedFields', 'ManagedFieldsEntry'),
  },
  OwnerReference: {
    1: str('kind', KEEP),
    3: str('name', KEEP),
    4: str('uid', KEEP),
    5: str('apiVersion', KEEP),
    6: bool('controller', KEEP),
    7: bool('blockOwnerDeletion', KEEP),
  },
  ManagedFieldsEntry: {
    1: str('manager'),
    2: str('operation'),
    3: str('apiVersion'),
    4: time('time'),
    6: str('fieldsType'),
    7: rawJSON('fieldsV1'),
    8: str('subresource'),
  },
  LabelSelector: {
    1: strMap('matchLabels'),
    2: msgList('matchExpressions', 'LabelSelectorRequirement'),
  },
  LabelSelectorRequirement: {
    1: str('key', KEEP),
    2: str('operator', KEEP),
    3: strList('values'),
  },
  DeleteOptions: {
    1: int('gracePeriodSeconds', KEEP),
    2: msg('preconditions', 'Preconditions'),
    3: bool('orphanDependents', KEEP),
    4: str('propagationPolicy', KEEP),
    5: strList('dryRun'),
    6: bool('ignoreStoreReadErrorWithClusterBreakingPotential', KEEP),
  },
  Preconditions: {
    1: str('uid', KEEP),
    2: str('resourceVersion', KEEP),
  },

  // --- policy/v1 ---
  Eviction: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('deleteOptions', 'DeleteOptions'),
  },

  // --- core/v1: Namespace, Binding, Event ---
  Namespace: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'NamespaceSpec'),
    3: msg('status', 'NamespaceStatus'),
  },
  NamespaceSpec: {
    1: strList('finalizers'),
  },
  NamespaceStatus: {
    1: str('phase'),
    2: msgList('conditions', 'NamespaceCondition'),
  },
  NamespaceCondition: {
    1: str('type', KEEP),
    2: str('status', KEEP),
    4: time('lastTransitionTime'),
    5: str('reason'),
    6: str('message'),
  },
  Binding: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('target', 'ObjectReference'),
  },
  Event: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('involvedObject', 'ObjectReference'),
    3: str('reason'),
    4: str('message'),
    5: msg('source', 'EventSource'),
    6: time('firstTimestamp'),
    7: time('lastTimestamp'),
    8: int('count'),
    9: str('type'),
    10: microTime('eventTime'),
    11: msg('series', 'EventSeries'),
    12: str('action'),
    13: msg('related', 'ObjectReference'),
    14: str('reportingComponent', KEEP),
    15: str('reportingInstance', KEEP),
  },
  EventSource: {
    1: str('component'),
    2: str('host'),
  },
  EventSeries: {
    1: int('count'),
    2: microTime('lastObservedTime'),
  },
  ObjectReference: {
    1: str('kind'),
    2: str('namespace'),
    3: str('name'),
    4: str('uid'),
    5: str('apiVersion'),
    6: str('resourceVersion'),
    7: str('fieldPath'),
  },

  // --- core/v1: Pod ---
  Pod: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'PodSpec'),
    3: msg('status', 'PodStatus'),
  },
  PodSpec: {
    1: msgList('volumes', 'Volume'),
    20: msgList('initContainers', 'Container'),
    2: msgList('containers', 'Container'),
    34: msgList('ephemeralContainers', 'EphemeralContainer'),
    3: str('restartPolicy'),
    4: int('terminationGracePeriodSeconds', KEEP),
    5: int('activeDeadlineSeconds', KEEP),
    6: str('dnsPolicy'),
    7: strMap('nodeSelector'),
    8: str('serviceAccountName'),
    9: str('serviceAccount'),
    21: bool('automountServiceAccountToken', KEEP),
    10: str('nodeName'),
    11: bool('hostNetwork'),
    12: bool('hostPID'),
    13: bool('hostIPC'),
    27: bool('shareProcessNamespace', KEEP),
    14: msg('securityContext', 'PodSecurityContext'),
    15: msgList('imagePullSecrets', 'LocalObjectReference'),
    16: str('hostname'),
    17: str('subdomain'),
    18: msg('affinity', 'Affinity'),
    19: str('schedulerName'),
    22: msgList('tolerations', 'Toleration'),
    23: msgList('hostAliases', 'HostAlias'),
    24: str('priorityClassName'),
    25: int('priority', KEEP),
    26: msg('dnsConfig', 'PodDNSConfig'),
    28: msgList('readinessGates', 'PodReadinessGate'),
    29: str('runtimeClassName', KEEP),
    30: bool('enableServiceLinks', KEEP),
    31: str('preemptionPolicy', KEEP),
    32: quantityMap('overhead'),
    33: msgList('topologySpreadConstraints', 'TopologySpreadConstraint'),
    35: bool('setHostnameAsFQDN', KEEP),
    36: msg('os', 'PodOS'),
    37: bool('hostUsers', KEEP),
    38: msgList('schedulingGates', 'PodSchedulingGate'),
    39: msgList('resourceClaims', 'PodResourceClaim'),
    40: msg('resources', 'ResourceRequirements'),
  },
  Container: {
    1: str('name', KEEP),
    2: str('image'),
    3: strList('command'),
    4: strList('args'),
    5: str('workingDir'),
    6: msgList('ports', 'ContainerPort'),
    19: msgList('envFrom', 'EnvFromSource'),
    7: msgList('env', 'EnvVar'),
    8: msg('resources', 'ResourceRequirements'),
    23: msgList('resizePolicy', 'ContainerResizePolicy'),
    24: str('restartPolicy', KEEP),
    9: msgList('volumeMounts', 'VolumeMount'),
    21: msgList('volumeDevices', 'VolumeDevice'),
    10: msg('livenessProbe', 'Probe'),
    11: msg('readinessProbe', 'Probe'),
    22: msg('startupProbe', 'Probe'),
    12: msg('lifecycle', 'Lifecycle'),
    13: str('terminationMessagePath'),
    20: str('terminationMessagePolicy'),
    14: str('imagePullPolicy'),
    15: msg('securityContext', 'SecurityContext'),
    16: bool('stdin'),
    17: bool('stdinOnce'),
    18: bool('tty'),
  },
  // EphemeralContainerCommon carries Container's field numbers, so Container's table serves for it.
  EphemeralContainer: {
    1: inline('Container'),
    2: str('targetContainerName'),
  },
  ContainerPort: {
    1: str('name'),
    2: int('hostPort'),
    3: int('containerPort', KEEP),
    4: str('protocol'),
    5: str('hostIP'),
  },
  EnvFromSource: {
    1: str('prefix'),
    2: msg('configMapRef', 'ConfigMapEnvSource'),
    3: msg('secretRef', 'SecretEnvSource'),
  },
  ConfigMapEnvSource: {
    1: inline('LocalObjectReference'),
    2: bool('optional', KEEP),
  },
  SecretEnvSource: {
    1: inline('LocalObjectReference'),
    2: bool('optional', KEEP),
  },
  EnvVar: {
    1: str('name', KEEP),
    2: str('value'),
    3: msg('valueFrom', 'EnvVarSource'),
  },
  EnvVarSource: {
    1: msg('fieldRef', 'ObjectFieldSelector'),
    2: msg('resourceFieldRef', 'ResourceFieldSelector'),
    3: msg('configMapKeyRef', 'ConfigMapKeySelector'),
    4: msg('secretKeyRef', 'SecretKeySelector'),
  },
  ObjectFieldSelector: {
    1: str('apiVersion'),
    2: str('fieldPath', KEEP),
  },
  ResourceFieldSelector: {
    1: str('containerName'),
    2: str('resource', KEEP),
    3: quantity('divisor'),
  },
  ConfigMapKeySelector: {
    1: inline('LocalObjectReference'),
    2: str('key', KEEP),
    3: bool('optional', KEEP),
  },
  SecretKeySelector: {
    1: inline('LocalObjectReference'),
    2: str('key', KEEP),
    3: bool('optional', KEEP),
  },
  LocalObjectReference: {
    1: str('name'),
  },
  ResourceRequirements: {
    1: quantityMap('limits'),
    2: quantityMap('requests'),
    3: msgList('claims', 'ResourceClaim'),
  },
  ResourceClaim: {
    1: str('name', KEEP),
    2: str('request'),
  },
  ContainerResizePolicy: {
    1: str('resourceName', KEEP),
    2: str('restartPolicy', KEEP),
  },
  VolumeMount: {
    1: str('name', KEEP),
    2: bool('readOnly'),
    7: str('recursiveReadOnly', KEEP),
    3: str('mountPath', KEEP),
    4: str('subPath'),
    5: str('mountPropagation', KEEP),
    6: str('subPathExpr'),
  },
  VolumeDevice: {
    1: str('name', KEEP),
    2: str('devicePath', KEEP),
  },
  Probe: {
    1: inline('ProbeHandler'),
    2: int('initialDelaySeconds'),
    3: int('timeoutSeconds'),
    4: int('periodSeconds'),
    5: int('successThreshold'),
    6: int('failureThreshold'),
    7: int('terminationGracePeriodSeconds', KEEP),
  },
  ProbeHandler: {
    1: msg('exec', 'ExecAction'),
    2: msg('httpGet', 'HTTPGetAction'),
    3: msg('tcpSocket', 'TCPSocketAction'),
    4: msg('grpc', 'GRPCAction'),
  },
  ExecAction: {
    1: strList('command'),
  },
  HTTPGetAction: {
    1: str('path'),
    2: intOrString('port'),
    3: str('host'),
    4: str('scheme'),
    5: msgList('httpHeaders', 'HTTPHeader'),
  },
  HTTPHeader: {
    1: str('name', KEEP),
    2: str('value', KEEP),
  },
  TCPSocketAction: {
    1: intOrString('port'),
    2: str('host'),
  },
  GRPCAction: {
    1: int('port', KEEP),
    2: str('service', KEEP),
  },
  Lifecycle: {
    1: msg('postStart', 'LifecycleHandler'),
    2: msg('preStop', 'LifecycleHandler'),
    3: str('stopSignal', KEEP),
  },
  LifecycleHandler: {
    1: msg('exec', 'ExecAction'),
    2: msg('httpGet', 'HTTPGetAction'),
    3: msg('tcpSocket', 'TCPSocketAction'),
    4: msg('sleep', 'SleepAction'),
  },
  SleepAction: {
    1: int('seconds', KEEP),
  },
  SecurityContext: {
    1: msg('capabilities', 'Capabilities'),
    2: bool('privileged', KEEP),
    3: msg('seLinuxOptions', 'SELinuxOptions'),
    10: msg('windowsOptions', 'WindowsSecurityContextOptions'),
    4: int('runAsUser', KEEP),
    8: int('runAsGroup', KEEP),
    5: bool('runAsNonRoot', KEEP),
    6: bool('readOnlyRootFilesystem', KEEP),
    7: bool('allowPrivilegeEscalation', KEEP),
    9: str('procMount', KEEP),
    11: msg('seccompProfile', 'SeccompProfile'),
    12: msg('appArmorProfile', 'AppArmorProfile'),
  },
  Capabilities: {
    1: strList('add'),
    2: strList('drop'),
  },
  SELinuxOptions: {
    1: str('user'),
    2: str('role'),
    3: str('type'),
    4: str('level'),
  },
  WindowsSecurityContextOptions: {
    1: str('gmsaCredentialSpecName', KEEP),
    2: str('gmsaCredentialSpec', KEEP),
    3: str('runAsUserName', KEEP),
    4: bool('hostProcess', KEEP),
  },
  SeccompProfile: {
    1: str('type', KEEP),
    2: str('localhostProfile', KEEP),
  },
  AppArmorProfile: {
    1: str('type', KEEP),
    2: str('localhostProfile', KEEP),
  },
  PodSecurityContext: {
    1: msg('seLinuxOptions', 'SELinuxOptions'),
    8: msg('windowsOptions', 'WindowsSecurityContextOptions'),
    2: int('runAsUser', KEEP),
    6: int('runAsGroup', KEEP),
    3: bool('runAsNonRoot', KEEP),
    4: intList('supplementalGroups'),
    12: str('supplementalGroupsPolicy', KEEP),
    5: int('fsGroup', KEEP),
    7: msgList('sysctls', 'Sysctl'),
    9: str('fsGroupChangePolicy', KEEP),
    10: msg('seccompProfile', 'SeccompProfile'),
    11: msg('appArmorProfile', 'AppArmorProfile'),
    13: str('seLinuxChangePolicy', KEEP),
  },
  Sysctl: {
    1: str('name', KEEP),
    2: str('value', KEEP),
  },
  Volume: {
    1: str('name', KEEP),
    2: inline('VolumeSource'),
  },
  // Only the volume sources a pod can still use without a cloud provider's in-tree plugin.
  VolumeSource: {
    1: msg('hostPath', 'HostPathVolumeSource'),
    2: msg('emptyDir', 'EmptyDirVolumeSource'),
    6: msg('secret', 'SecretVolumeSource'),
    7: msg('nfs', 'NFSVolumeSource'),
    10: msg('persistentVolumeClaim', 'PersistentVolumeClaimVolumeSource'),
    16: msg('downwardAPI', 'DownwardAPIVolumeSource'),
    19: msg('configMap', 'ConfigMapVolumeSource'),
    26: msg('projected', 'ProjectedVolumeSource'),
    28: msg('csi', 'CSIVolumeSource'),
    29: msg('ephemeral', 'EphemeralVolumeSource'),
    30: msg('image', 'ImageVolumeSource'),
  },
  HostPathVolumeSource: {
    1: str('path', KEEP),
    2: str('type', KEEP),
  },
  EmptyDirVolumeSource: {
    1: str('medium'),
    2: quantity('sizeLimit'),
  },
  SecretVolumeSource: {
    1: str('secretName'),
    2: msgList('items', 'KeyToPath'),
    3: int('defaultMode', KEEP),
    4: bool('optional', KEEP),
  },
  NFSVolumeSource: {
    1: str('server', KEEP),
    2: str('path', KEEP),
    3: bool('readOnly'),
  },
  PersistentVolumeClaimVolumeSource: {
    1: str('claimName', KEEP),
    2: bool('readOnly'),
  },
  DownwardAPIVolumeSource: {
    1: msgList('items', 'DownwardAPIVolumeFile'),
    2: int('defaultMode', KEEP),
  },
  DownwardAPIVolumeFile: {
    1: str('path', KEEP),
    2: msg('fieldRef', 'ObjectFieldSelector'),
    3: msg('resourceFieldRef', 'ResourceFieldSelector'),
    4: int('mode', KEEP),
  },
  ConfigMapVolumeSource: {
    1: inline('LocalObjectReference'),
    2: msgList('items', 'KeyToPath'),
    3: int('defaultMode', KEEP),
    4: bool('optional', KEEP),
  },
  KeyToPath: {
    1: str('key', KEEP),
    2: str('path', KEEP),
    3: int('mode', KEEP),
  },
  ProjectedVolumeSource: {
    1: msgList('sources', 'VolumeProjection'),
    2: int('defaultMode', KEEP),
  },
  VolumeProjection: {
    1: msg('secret', 'SecretProjection'),
    2: msg('downwardAPI', 'DownwardAPIProjection'),
    3: msg('configMap', 'ConfigMapProjection'),
    4: msg('serviceAccountToken', 'ServiceAccountTokenProjection'),
    5: msg('clusterTrustBundle', 'ClusterTrustBundleProjection'),
  },
  SecretProjection: {
    1: inline('LocalObjectReference'),
    2: msgList('items', 'KeyToPath'),
    4: bool('optional', KEEP),
  },
  ConfigMapProjection: {
    1: inline('LocalObjectReference'),
    2: msgList('items', 'KeyToPath'),
    4: bool('optional', KEEP),
  },
  DownwardAPIProjection: {
    1: msgList('items', 'DownwardAPIVolumeFile'),
  },
  ServiceAccountTokenProjection: {
    1: str('audience'),
    2: int('expirationSeconds', KEEP),
    3: str('path', KEEP),
  },
  ClusterTrustBundleProjection: {
    1: str('name', KEEP),
    2: str('signerName', KEEP),
    3: msg('labelSelector', 'LabelSelector'),
    5: bool('optional', KEEP),
    4: str('path', KEEP),
  },
  CSIVolumeSource: {
    1: str('driver', KEEP),
    2: bool('readOnly', KEEP),
    3: str('fsType', KEEP),
    4: strMap('volumeAttributes'),
    5: msg('nodePublishSecretRef', 'LocalObjectReference'),
  },
  EphemeralVolumeSource: {
    1: msg('volumeClaimTemplate', 'PersistentVolumeClaimTemplate'),
  },
  PersistentVolumeClaimTemplate: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'PersistentVolumeClaimSpec'),
  },
  PersistentVolumeClaimSpec: {
    1: strList('accessModes'),
    4: msg('selector', 'LabelSelector'),
    2: msg('resources', 'VolumeResourceRequirements'),
    3: str('volumeName'),
    5: str('storageClassName', KEEP),
    6: str('volumeMode', KEEP),
    7: msg('dataSource', 'TypedLocalObjectReference'),
    8: msg('dataSourceRef', 'TypedObjectReference'),
    9: str('volumeAttributesClassName', KEEP),
  },
  VolumeResourceRequirements: {
    1: quantityMap('limits'),
    2: quantityMap('requests'),
  },
  TypedLocalObjectReference: {
    1: str('apiGroup', KEEP),
    2: str('kind', KEEP),
    3: str('name', KEEP),
  },
  TypedObjectReference: {
    1: str('apiGroup', KEEP),
    2: str('kind', KEEP),
    3: str('name', KEEP),
    4: str('namespace', KEEP),
  },
  ImageVolumeSource: {
    1: str('reference'),
    2: str('pullPolicy'),
  },
  Affinity: {
    1: msg('nodeAffinity', 'NodeAffinity'),
    2: msg('podAffinity', 'PodAffinity'),
    3: msg('podAntiAffinity', 'PodAntiAffinity'),
  },
  NodeAffinity: {
    1: msg('requiredDuringSchedulingIgnoredDuringExecution', 'NodeSelector'),
    2: msgList('preferredDuringSchedulingIgnoredDuringExecution', 'PreferredSchedulingTerm'),
  },
  NodeSelector: {
    1: msgList('nodeSelectorTerms', 'NodeSelectorTerm'),
  },
  NodeSelectorTerm: {
    1: msgList('matchExpressions', 'NodeSelectorRequirement'),
    2: msgList('matchFields', 'NodeSelectorRequirement'),
  },
  NodeSelectorRequirement: {
    1: str('key', KEEP),
    2: str('operator', KEEP),
    3: strList('values'),
  },
  PreferredSchedulingTerm: {
    1: int('weight', KEEP),
    2: msg('preference', 'NodeSelectorTerm'),
  },
  PodAffinity: {
    1: msgList('requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm'),
    2: msgList('preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm'),
  },
  PodAntiAffinity: {
    1: msgList('requiredDuringSchedulingIgnoredDuringExecution', 'PodAffinityTerm'),
    2: msgList('preferredDuringSchedulingIgnoredDuringExecution', 'WeightedPodAffinityTerm'),
  },
  PodAffinityTerm: {
    1: msg('labelSelector', 'LabelSelector'),
    2: strList('namespaces'),
    3: str('topologyKey', KEEP),
    4: msg('namespaceSelector', 'LabelSelector'),
    5: strList('matchLabelKeys'),
    6: strList('mismatchLabelKeys'),
  },
  WeightedPodAffinityTerm: {
    1: int('weight', KEEP),
    2: msg('podAffinityTerm', 'PodAffinityTerm'),
  },
  Toleration: {
    1: str('key'),
    2: str('operator'),
    3: str('value'),
    4: str('effect'),
    5: int('tolerationSeconds', KEEP),
  },
  HostAlias: {
    1: str('ip', KEEP),
    2: strList('hostnames'),
  },
  PodDNSConfig: {
    1: strList('nameservers'),
    2: strList('searches'),
    3: msgList('options', 'PodDNSConfigOption'),
  },
  PodDNSConfigOption: {
    1: str('name'),
    2: str('value', KEEP),
  },
  PodReadinessGate: {
    1: str('conditionType', KEEP),
  },
  TopologySpreadConstraint: {
    1: int('maxSkew', KEEP),
    2: str('topologyKey', KEEP),
    3: str('whenUnsatisfiable', KEEP),
    4: msg('labelSelector', 'LabelSelector'),
    5: int('minDomains', KEEP),
    6: str('nodeAffinityPolicy', KEEP),
    7: str('nodeTaintsPolicy', KEEP),
    8: strList('matchLabelKeys'),
  },
  PodOS: {
    1: str('name', KEEP),
  },
  PodSchedulingGate: {
    1: str('name', KEEP),
  },
  PodResourceClaim: {
    1: str('name', KEEP),
    3: str('resourceClaimName', KEEP),
    4: str('resourceClaimTemplateName', KEEP),
  },
  PodStatus: {
    1: str('phase'),
    2: msgList('conditions', 'PodCondition'),
    3: str('message'),
    4: str('reason'),
    11: str('nominatedNodeName'),
    5: str('hostIP'),
    16: msgList('hostIPs', 'HostIP'),
    6: str('podIP'),
    12: msgList('podIPs', 'PodIP'),
    7: time('startTime'),
    10: msgList('initContainerStatuses', 'ContainerStatus'),
    8: msgList('containerStatuses', 'ContainerStatus'),
    9: str('qosClass'),
    13: msgList('ephemeralContainerStatuses', 'ContainerStatus'),
    14: str('resize'),
    17: int('observedGeneration'),
  },
  PodCondition: {
    1: str('type', KEEP),
    7: int('observedGeneration'),
    2: str('status', KEEP),
    3: time('lastProbeTime'),
    4: time('lastTransitionTime'),
    5: str('reason'),
    6: str('message'),
  },
  HostIP: {
    1: str('ip', KEEP),
  },
  PodIP: {
    1: str('ip', KEEP),
  },
  ContainerStatus: {
    1: str('name', KEEP),
    2: msg('state', 'ContainerState'),
    3: msg('lastState', 'ContainerState'),
    4: bool('ready', KEEP),
    5: int('restartCount', KEEP),
    6: str('image', KEEP),
    7: str('imageID', KEEP),
    8: str('containerID'),
    9: bool('started', KEEP),
    10: quantityMap('allocatedResources'),
    11: msg('resources', 'ResourceRequirements'),
    12: msgList('volumeMounts', 'VolumeMountStatus'),
  },
  ContainerState: {
    1: msg('waiting', 'ContainerStateWaiting'),
    2: msg('running', 'ContainerStateRunning'),
    3: msg('terminated', 'ContainerStateTerminated'),
  },
  ContainerStateWaiting: {
    1: str('reason'),
    2: str('message'),
  },
  ContainerStateRunning: {
    1: time('startedAt'),
  },
  ContainerStateTerminated: {
    1: int('exitCode', KEEP),
    2: int('signal'),
    3: str('reason'),
    4: str('message'),
    5: time('startedAt'),
    6: time('finishedAt'),
    7: str('containerID'),
  },
  VolumeMountStatus: {
    1: str('name', KEEP),
    2: str('mountPath', KEEP),
    3: bool('readOnly'),
    4: str('recursiveReadOnly', KEEP),
  },
};

// Keyed by "apiVersion kind"; "* kind" matches any apiVersion.
const TOP_LEVEL: Readonly<Record<string, string>> = {
  'v1 Namespace': 'Namespace',
  'v1 Pod': 'Pod',
  'v1 Binding': 'Binding',
  'v1 Event': 'Event',
  'policy/v1 Eviction': 'Eviction',
  'policy/v1beta1 Eviction': 'Eviction',
  // Typed deletes tag DeleteOptions with the group version of the resource being deleted.
  '* DeleteOptions': 'DeleteOptions',
};

function checkTable(): void {
  const refs = [
    ...Object.values(TOP_LEVEL),
    ...Object.values(MESSAGES).flatMap((spec) =>
      Object.values(spec).flatMap((f) => (typeof f.type === 'object' ? [f.type.message] : [])),
    ),
  ];
  for (const name of refs) {
    if (!(name in MESSAGES)) throw new Error(`protobuf table refers to undefined message ${name}`);
  }
}
checkTable();

const WIRE_TYPE_NAMES: Readonly<Record<number, string>> = {
  [VARINT]: 'varint',
  [FIXED64]: '64-bit',
  [LEN]: 'length-delimited',
  3: 'start-group',
  4: 'end-group',
  [FIXED32]: '32-bit',
};

class Reader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    /** Offset of buf within the whole request body, for error messages. */
    private readonly base: number,
    readonly path: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  fail(message: string, at = this.pos): Error {
    return new Error(`invalid Kubernetes protobuf body: ${message} at byte ${this.base + at} (in ${this.path})`);
  }

  varint(): bigint {
    const start = this.pos;
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw this.fail('truncated varint', start);
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw this.fail('varint longer than 10 bytes', start);
  }

  tag(): { field: number; wireType: number } {
    const start = this.pos;
    const tag = this.varint();
    const field = Number(tag >> 3n);
    if (field === 0 || field > 0x1fffffff) throw this.fail(`invalid field number ${field}`, start);
    return { field, wireType: Number(tag & 7n) };
  }

  /** Returns a reader over the next length-delimited value. */
  sub(path: string): Reader {
    const start = this.pos;
    const length = this.varint();
    const remaining = this.buf.length - this.pos;
    if (length > BigInt(remaining)) {
      throw this.fail(`length ${length} runs past the end of its message (${remaining} left)`, start);
    }
    const from = this.pos;
    this.pos += Number(length);
    return new Reader(this.buf.subarray(from, this.pos), this.base + from, path);
  }

  bytes(): Buffer {
    return this.sub(this.path).buf;
  }

  /** A fresh reader over the same bytes, reporting errors under another path. */
  renamed(path: string): Reader {
    return new Reader(this.buf, this.base, path);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case LEN:
        this.sub(this.path);
        return;
      case FIXED64:
      case FIXED32: {
        const size = wireType === FIXED64 ? 8 : 4;
        if (this.pos + size > this.buf.length) throw this.fail(`truncated ${size * 8}-bit value`);
        this.pos += size;
        return;
      }
      default:
        throw this.fail(`unsupported wire type ${wireType}`);
    }
  }

  expect(wireType: number, expected: number, path: string): void {
    if (wireType !== expected) {
      throw this.fail(
        `${path} has wire type ${wireType} (${WIRE_TYPE_NAMES[wireType] ?? 'invalid'}) ` +
          `where ${expected} (${WIRE_TYPE_NAMES[expected]}) is required`,
      );
    }
  }
}

function toInt(value: bigint, reader: Reader, path: string): number {
  const signed = BigInt.asIntN(64, value);
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw reader.fail(`${path} = ${signed} is outside the range of exact JSON numbers`);
  }
  return Number(signed);
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// metav1.Time marshals as RFC3339 with whole seconds, metav1.MicroTime with six fraction digits;
// both are null when zero, and an empty message is Go's zero time.
function decodeTimestamp(reader: Reader, micro: boolean): string | null {
  if (reader.done) return null;
  let seconds = 0;
  let nanos = 0;
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === 1 || field === 2) {
      const path = `${reader.path}.${field === 1 ? 'seconds' : 'nanos'}`;
      reader.expect(wireType, VARINT, path);
      const value = toInt(reader.varint(), reader, path);
      if (field === 1) seconds = value;
      else nanos = value;
    } else {
      reader.skip(wireType);
    }
  }
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw reader.fail(`${reader.path} is out of range`);
  const whole = date.toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  const micros = Math.floor(Math.max(0, nanos) / 1000) % 1_000_000;
  return `${whole}.${String(micros).padStart(6, '0')}Z`;
}

function decodeQuantity(reader: Reader): string {
  let value = '0';
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === 1) {
      reader.expect(wireType, LEN, `${reader.path}.string`);
      value = reader.bytes().toString('utf8');
    } else {
      reader.skip(wireType);
    }
  }
  return value;
}

function decodeIntOrString(reader: Reader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === 1 || field === 2) {
      const path = `${reader.path}.${field === 1 ? 'type' : 'intVal'}`;
      reader.expect(wireType, VARINT, path);
      const value = toInt(reader.varint(), reader, path);
      if (field === 1) type = value;
      else intVal = value;
    } else if (field === 3) {
      reader.expect(wireType, LEN, `${reader.path}.strVal`);
      strVal = reader.bytes().toString('utf8');
    } else {
      reader.skip(wireType);
    }
  }
  return type === 1 ? strVal : intVal;
}

// RawExtension and FieldsV1 carry their content as JSON bytes in field 1.
function decodeRawJSON(reader: Reader): unknown {
  let raw: Buffer | undefined;
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === 1) {
      reader.expect(wireType, LEN, `${reader.path}.raw`);
      raw = reader.bytes();
    } else {
      reader.skip(wireType);
    }
  }
  if (raw === undefined || raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw reader.fail(`${reader.path} does not hold JSON`);
  }
}

function decodeValue(reader: Reader, wireType: number, field: FieldSpec, path: string): unknown {
  const type = field.type;
  if (type === 'bool' || type === 'int') {
    reader.expect(wireType, VARINT, path);
    const value = reader.varint();
    return type === 'bool' ? value !== 0n : toInt(value, reader, path);
  }
  reader.expect(wireType, LEN, path);
  if (type === 'string') return reader.bytes().toString('utf8');
  const sub = reader.sub(path);
  switch (type) {
    case 'time':
      return decodeTimestamp(sub, false);
    case 'microTime':
      return decodeTimestamp(sub, true);
    case 'quantity':
      return decodeQuantity(sub);
    case 'intOrString':
      return decodeIntOrString(sub);
    case 'rawJSON':
      return decodeRawJSON(sub);
    default:
      return decodeMessage(sub, MESSAGES[type.message]!);
  }
}

function zeroOf(type: FieldType): unknown {
  if (type === 'string') return '';
  if (type === 'quantity') return '0';
  if (type === 'int') return 0;
  if (type === 'bool') return false;
  if (typeof type === 'object') return {};
  return null;
}

function decodeMapEntry(reader: Reader, field: FieldSpec, path: string): [string, unknown] {
  let key = '';
  let value: unknown = zeroOf(field.type);
  const valueField: FieldSpec = { name: field.name, type: field.type };
  while (!reader.done) {
    const { field: number, wireType } = reader.tag();
    if (number === 1) {
      reader.expect(wireType, LEN, `${path} key`);
      key = reader.bytes().toString('utf8');
    } else if (number === 2) {
      value = decodeValue(reader, wireType, valueField, `${path}[${JSON.stringify(key)}]`);
    } else {
      reader.skip(wireType);
    }
  }
  return [key, value];
}

function decodeMessage(reader: Reader, spec: MessageSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  while (!reader.done) {
    const { field: number, wireType } = reader.tag();
    const field = spec[number];
    if (field === undefined) {
      reader.skip(wireType);
      continue;
    }
    const path = field.inline ? reader.path : `${reader.path}.${field.name}`;

    if (field.map) {
      reader.expect(wireType, LEN, path);
      const [key, value] = decodeMapEntry(reader.sub(path), field, path);
      const map = isPlainObject(out[field.name]) ? (out[field.name] as Record<string, unknown>) : {};
      map[key] = value;
      out[field.name] = map;
      continue;
    }

    if (field.list) {
      const list = Array.isArray(out[field.name]) ? (out[field.name] as unknown[]) : [];
      out[field.name] = list;
      // Repeated numbers may arrive packed into one length-delimited field.
      if ((field.type === 'int' || field.type === 'bool') && wireType === LEN) {
        const packed = reader.sub(path);
        while (!packed.done) list.push(decodeValue(packed, VARINT, field, `${path}[${list.length}]`));
      } else {
        list.push(decodeValue(reader, wireType, field, `${path}[${list.length}]`));
      }
      continue;
    }

    const value = decodeValue(reader, wireType, field, path);
    if (field.inline) {
      Object.assign(out, value);
    } else if (!field.keepZero && isZero(value)) {
      delete out[field.name];
    } else if (isPlainObject(value) && isPlainObject(out[field.name])) {
      // A message field that occurs twice is merged, as protobuf specifies.
      Object.assign(out[field.name] as Record<string, unknown>, value);
    } else {
      out[field.name] = value;
    }
  }
  return out;
}

/**
 * Decodes a Kubernetes protobuf body ("k8s\0" + runtime.Unknown) into the object's JSON form,
 * with apiVersion and kind taken from the envelope. Throws an Error on malformed input and on
 * kinds it has no table for.
 */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error('invalid Kubernetes protobuf body: it does not start with the magic bytes "k8s\\0"');
  }
  const envelope = new Reader(body.subarray(MAGIC.length), MAGIC.length, 'Unknown');
  let apiVersion = '';
  let kind = '';
  let raw: Reader | undefined;
  let contentEncoding = '';
  let contentType = '';
  while (!envelope.done) {
    const { field, wireType } = envelope.tag();
    switch (field) {
      case 1: {
        envelope.expect(wireType, LEN, 'Unknown.typeMeta');
        const typeMeta = envelope.sub('Unknown.typeMeta');
        while (!typeMeta.done) {
          const tag = typeMeta.tag();
          if (tag.field === 1 || tag.field === 2) {
            const name = tag.field === 1 ? 'apiVersion' : 'kind';
            typeMeta.expect(tag.wireType, LEN, `Unknown.typeMeta.${name}`);
            const value = typeMeta.bytes().toString('utf8');
            if (tag.field === 1) apiVersion = value;
            else kind = value;
          } else {
            typeMeta.skip(tag.wireType);
          }
        }
        break;
      }
      case 2:
        envelope.expect(wireType, LEN, 'Unknown.raw');
        raw = envelope.sub('');
        break;
      case 3:
        envelope.expect(wireType, LEN, 'Unknown.contentEncoding');
        contentEncoding = envelope.bytes().toString('utf8');
        break;
      case 4:
        envelope.expect(wireType, LEN, 'Unknown.contentType');
        contentType = envelope.bytes().toString('utf8');
        break;
      default:
        envelope.skip(wireType);
    }
  }

  if (apiVersion === '' || kind === '') {
    throw new Error('invalid Kubernetes protobuf body: the envelope does not name an apiVersion and kind');
  }
  if (contentEncoding !== '') {
    throw new Error(`protobuf bodies with content encoding "${contentEncoding}" are not supported`);
  }
  if (contentType !== '' && !contentType.startsWith('application/vnd.kubernetes.protobuf')) {
    throw new Error(`protobuf envelope holds content type "${contentType}", which is not supported`);
  }
  const messageName = TOP_LEVEL[`${apiVersion} ${kind}`] ?? TOP_LEVEL[`* ${kind}`];
  if (messageName === undefined) {
    throw new Error(`protobuf decoding of ${apiVersion} ${kind} is not supported; send it as JSON`);
  }
  const object = raw === undefined ? {} : decodeMessage(raw.renamed(kind), MESSAGES[messageName]!);
  return { apiVersion, kind, ...object };
}

