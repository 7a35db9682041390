// Facts about the served API types that the `kubernetes-types` declarations do not carry: the
// integer width of numeric fields, enum values, list and map topologies. They are facts of the
// Kubernetes API (as the Go types and their markers define them), written here as data; the
// generator (scripts/generate-openapi-schemas.ts) fails if one names a field no served kind reaches.
// Keys are `TypeName.field`, TypeName being the upstream type's short name.

/** Numeric fields that are int64 upstream; every other integer is int32. */
export const INT64_FIELDS: ReadonlySet<string> = new Set([
  'ObjectMeta.generation',
  'ObjectMeta.deletionGracePeriodSeconds',
  'ListMeta.remainingItemCount',
  'DeleteOptions.gracePeriodSeconds',
  'ControllerRevision.revision',
  'DaemonSetStatus.observedGeneration',
  'ContainerImage.sizeBytes',
  'PodSpec.activeDeadlineSeconds',
  'PodSpec.terminationGracePeriodSeconds',
  'Probe.terminationGracePeriodSeconds',
  'PodSecurityContext.fsGroup',
  'PodSecurityContext.runAsGroup',
  'PodSecurityContext.runAsUser',
  'PodSecurityContext.supplementalGroups',
  'SecurityContext.runAsGroup',
  'SecurityContext.runAsUser',
  'ServiceAccountTokenProjection.expirationSeconds',
  'SleepAction.seconds',
  'Toleration.tolerationSeconds',
]);

/** Numeric fields that are floating point upstream (none among the served kinds today). */
export const FLOAT_FIELDS: ReadonlySet<string> = new Set([]);

/** Fields whose Go type is an enum: the values upstream's schema lists. */
export const ENUMS: ReadonlyMap<string, readonly string[]> = new Map([
  ['DaemonSetUpdateStrategy.type', ['OnDelete', 'RollingUpdate']],
  ['Container.imagePullPolicy', ['Always', 'IfNotPresent', 'Never']],
  ['Container.terminationMessagePolicy', ['FallbackToLogsOnError', 'File']],
  ['EphemeralContainer.imagePullPolicy', ['Always', 'IfNotPresent', 'Never']],
  ['EphemeralContainer.terminationMessagePolicy', ['FallbackToLogsOnError', 'File']],
  ['ContainerPort.protocol', ['SCTP', 'TCP', 'UDP']],
  ['ContainerResizePolicy.restartPolicy', ['NotRequired', 'RestartContainer']],
  ['HTTPGetAction.scheme', ['HTTP', 'HTTPS']],
  ['HostPathVolumeSource.type', ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket']],
  ['NodeSelectorRequirement.operator', ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn']],
  ['PodSpec.dnsPolicy', ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']],
  ['PodSpec.preemptionPolicy', ['Never', 'PreemptLowerPriority']],
  ['PodSpec.restartPolicy', ['Always', 'Never', 'OnFailure']],
  ['PodStatus.phase', ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown']],
  ['PodStatus.qosClass', ['BestEffort', 'Burstable', 'Guaranteed']],
  ['PodSecurityContext.fsGroupChangePolicy', ['Always', 'OnRootMismatch']],
  ['SeccompProfile.type', ['Localhost', 'RuntimeDefault', 'Unconfined']],
  ['AppArmorProfile.type', ['Localhost', 'RuntimeDefault', 'Unconfined']],
  ['Taint.effect', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']],
  ['Toleration.effect', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']],
  ['Toleration.operator', ['Equal', 'Exists']],
  ['TopologySpreadConstraint.whenUnsatisfiable', ['DoNotSchedule', 'ScheduleAnyway']],
  ['TopologySpreadConstraint.nodeAffinityPolicy', ['Honor', 'Ignore']],
  ['TopologySpreadConstraint.nodeTaintsPolicy', ['Honor', 'Ignore']],
  ['VolumeMount.mountPropagation', ['Bidirectional', 'HostToContainer', 'None']],
  ['PersistentVolumeClaimSpec.volumeMode', ['Block', 'Filesystem']],
  ['NamespaceStatus.phase', ['Active', 'Terminating']],
  ['NodeStatus.phase', ['Pending', 'Running', 'Terminated']],
]);

/** `+listType` markers: how server-side apply treats a list (map lists name their keys). */
export const LIST_TYPES: ReadonlyMap<string, { type: 'atomic' | 'set' | 'map'; keys?: readonly string[] }> = new Map([
  ['Container.ports', { type: 'map', keys: ['containerPort', 'protocol'] }],
  ['EphemeralContainer.ports', { type: 'map', keys: ['containerPort', 'protocol'] }],
  ['Container.resizePolicy', { type: 'atomic' }],
  ['EphemeralContainer.resizePolicy', { type: 'atomic' }],
  ['ResourceRequirements.claims', { type: 'map', keys: ['name'] }],
  ['PodSpec.topologySpreadConstraints', { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] }],
  ['PodSpec.schedulingGates', { type: 'map', keys: ['name'] }],
  ['PodSpec.resourceClaims', { type: 'map', keys: ['name'] }],
  ['TopologySpreadConstraint.matchLabelKeys', { type: 'atomic' }],
  ['PodAffinityTerm.matchLabelKeys', { type: 'atomic' }],
  ['PodAffinityTerm.mismatchLabelKeys', { type: 'atomic' }],
  ['PodStatus.hostIPs', { type: 'atomic' }],
  ['PodStatus.resourceClaimStatuses', { type: 'map', keys: ['name'] }],
  ['NodeStatus.runtimeHandlers', { type: 'atomic' }],
]);

/** `+mapType` markers on map fields. */
export const MAP_TYPE_FIELDS: ReadonlyMap<string, 'atomic' | 'granular'> = new Map([['PodSpec.nodeSelector', 'atomic']]);

/** Structs marked `+structType=atomic` (replaced as a whole by server-side apply). */
export const ATOMIC_STRUCTS: ReadonlySet<string> = new Set([
  'LabelSelector',
  'OwnerReference',
  'ObjectReference',
  'LocalObjectReference',
  'TypedLocalObjectReference',
  'ConfigMapKeySelector',
  'SecretKeySelector',
  'ObjectFieldSelector',
  'ResourceFieldSelector',
  'NodeSelector',
  'NodeSelectorTerm',
]);

/** Descriptions, in our own words, of components kubernetes-types has no declaration for. */
export const SYNTHETIC_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString':
    'IntOrString holds either a 32-bit integer or a string. JSON and YAML carry whichever of the two it holds, so a field of this type accepts, for example, a port number as well as a port name, or a count as well as a percentage.',
};
