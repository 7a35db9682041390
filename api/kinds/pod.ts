// Pods (core/v1): upstream's defaults (SetDefaults_PodSpec, SetDefaults_Pod, generated defaults and
// the Priority admission plugin's), the pod strategy and its status strategy.
// Name rule: DNS-1123 subdomain (ValidatePodName).
import { isIP } from 'node:net';
import type { Container, Pod, PodSpec, PodStatus, Probe, Volume } from 'kubernetes-types/core/v1.js';
import { clone, isPlainObject, type KubeObject } from '../../store/object.js';
import { forbiddenField, invalidValue, required, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import {
  canonicalQuantity,
  child,
  compareQuantities,
  formatQuantity,
  index,
  isDNS1123Subdomain,
  isQualifiedName,
  parseQuantityExact,
  validateContainersOnlyForPod,
  validateObjectMetaUpdate,
  validatePodSpec,
  validateTolerations,
  type ExactQuantity,
  type NameRule,
  type NameRuled,
} from '../validation.js';
import { keepOldStatus, resetObjectMetaForStatus, semanticEqual } from './common.js';

/** Pods are named like DNS subdomains. */
export const nameRule: NameRule = 'subdomain';

export type QOSClass = 'BestEffort' | 'Burstable' | 'Guaranteed';

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const imageRefRe = new RegExp(
  `^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::([\\w][\\w.-]{0,127}))?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** The tag upstream's parsers.ParseImageName finds: `latest` when neither tag nor digest is given, "" when unparsable. */
export function imageTag(image: string): string {
  if (/^[a-f0-9]{64}$/.test(image)) return '';
  const m = imageRefRe.exec(image);
  if (!m) return '';
  if (m[1] !== undefined) return m[1];
  return image.includes('@') ? '' : 'latest';
}

/** Rounds each quantity up to milli and canonicalizes it (SetDefaults_ResourceList and Quantity's encoding). */
export function setResourceListDefaults(list: unknown): void {
  if (!isPlainObject(list)) return;
  for (const [name, value] of Object.entries(list)) {
    const canonical = canonicalQuantity(value, -3);
    // Only what changes is written: a stored (frozen) list a controller's write shares is already canonical.
    if (canonical !== undefined && canonical !== value) list[name] = canonical;
  }
}

function setResourceRequirementsDefaults(res: Record<string, unknown>): void {
  for (const key of ['limits', 'requests'] as const) {
    setResourceListDefaults(res[key]);
    // An empty map is omitted on the wire (omitempty).
    if (isPlainObject(res[key]) && Object.keys(res[key]).length === 0) delete res[key];
  }
}

function setProbeDefaults(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  if (probe.httpGet) {
    probe.httpGet.path ||= '/';
    probe.httpGet.scheme ||= 'HTTP';
  }
  if (probe.grpc && (probe.grpc.service === undefined || probe.grpc.service === null)) probe.grpc.service = '';
}

/** SetDefaults_Container and its generated neighbours; mutates the container. */
export function setContainerDefaults(c: Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const port of c.ports ?? []) port.protocol ||= 'TCP';
  for (const env of c.env ?? []) {
    if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ||= 'v1';
  }
  // ResourceRequirements is a struct in Go: it is always serialized, as {} when empty.
  if (!isPlainObject(c.resources)) c.resources = {};
  setResourceRequirementsDefaults(c.resources as Record<string, unknown>);
  setProbeDefaults(c.livenessProbe);
  setProbeDefaults(c.readinessProbe);
  setProbeDefaults(c.startupProbe);
  for (const handler of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (handler?.httpGet) {
      handler.httpGet.path ||= '/';
      handler.httpGet.scheme ||= 'HTTP';
    }
  }
}

const volumeSourceKeys = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

function setVolumeDefaults(v: Volume): void {
  const src = v as unknown as Record<string, unknown>;
  if (!volumeSourceKeys.some((k) => src[k] !== undefined && src[k] !== null)) v.emptyDir = {};
  if (v.hostPath && (v.hostPath.type === undefined || v.hostPath.type === null)) v.hostPath.type = '';
  if (v.secret && v.secret.defaultMode === undefined) v.secret.defaultMode = 420;
  if (v.configMap && v.configMap.defaultMode === undefined) v.configMap.defaultMode = 420;
  if (v.downwardAPI) {
    if (v.downwardAPI.defaultMode === undefined) v.downwardAPI.defaultMode = 420;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) {
    if (v.projected.defaultMode === undefined) v.projected.defaultMode = 420;
    for (const source of v.projected.sources ?? []) {
      for (const item of source.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
      if (source.serviceAccountToken && source.serviceAccountToken.expirationSeconds === undefined) source.serviceAccountToken.expirationSeconds = 3600;
    }
  }
  const claim = v.ephemeral?.volumeClaimTemplate?.spec;
  if (claim) claim.volumeMode ||= 'Filesystem';
  if (v.emptyDir?.sizeLimit !== undefined) {
    const canonical = canonicalQuantity(v.emptyDir.sizeLimit);
    if (canonical !== undefined) v.emptyDir.sizeLimit = canonical;
  }
}

/**
 * SetDefaults_PodSpec plus the generated defaults of everything inside a PodSpec: what pods and
 * pod templates (DaemonSets) share. Mutates spec.
 */
export function setPodSpecDefaults(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (!isPlainObject(spec.securityContext)) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  spec.schedulerName ||= 'default-scheduler';
  // The deprecated serviceAccount alias: read when the name is missing, always written back.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const v of spec.volumes ?? []) setVolumeDefaults(v);
  for (const c of [...(spec.initContainers ?? []), ...(Array.isArray(spec.containers) ? spec.containers : [])]) setContainerDefaults(c);
  for (const c of spec.ephemeralContainers ?? []) setContainerDefaults(c as Container);
  setResourceListDefaults(spec.overhead);
}

const builtinPriorityClasses: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

/** SetDefaults_Pod and the Priority admission plugin: what only pods (not templates) get. Mutates spec. */
export function setPodOnlyDefaults(spec: PodSpec): void {
  // Requests default to limits for every resource given only a limit.
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const res = c.resources as Record<string, Record<string, string> | undefined> | undefined;
    if (!res?.limits) continue;
    const requests = (res.requests ??= {});
    for (const [name, value] of Object.entries(res.limits)) if (!Object.hasOwn(requests, name)) requests[name] = value;
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])])
      for (const port of c.ports ?? []) if (!port.hostPort) port.hostPort = port.containerPort;
  }
  const className = spec.priorityClassName ?? '';
  if (spec.priority === undefined || spec.priority === null) {
    if (!className) spec.priority = 0;
    else if (Object.hasOwn(builtinPriorityClasses, className)) spec.priority = builtinPriorityClasses[className];
  }
  if (!spec.preemptionPolicy && (!className || Object.hasOwn(builtinPriorityClasses, className))) spec.preemptionPolicy = 'PreemptLowerPriority';
}

// ---------------------------------------------------------------------------------------------
// QoS
// ---------------------------------------------------------------------------------------------

function addQuantity(sum: Map<string, ExactQuantity>, name: string, value: unknown): void {
  const q = parseQuantityExact(value);
  if (!q) return;
  const prev = sum.get(name);
  if (!prev) {
    sum.set(name, q);
    return;
  }
  const scale = Math.min(prev.scale, q.scale);
  sum.set(name, { value: prev.value * 10n ** BigInt(prev.scale - scale) + q.value * 10n ** BigInt(q.scale - scale), scale, format: prev.format });
}

/** qos.ComputePodQOS over a defaulted pod spec: Guaranteed, Burstable or BestEffort. */
export function computePodQOS(spec: PodSpec | undefined): QOSClass {
  const requests = new Map<string, ExactQuantity>();
  const limits = new Map<string, ExactQuantity>();
  let guaranteed = true;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
      if ((name === 'cpu' || name === 'memory') && (compareQuantities(q, '0') ?? 0) > 0) addQuantity(requests, name, q);
    }
    const limitsFound = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      if ((name === 'cpu' || name === 'memory') && (compareQuantities(q, '0') ?? 0) > 0) {
        limitsFound.add(name);
        addQuantity(limits, name, q);
      }
    }
    if (!limitsFound.has('cpu') || !limitsFound.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || compareQuantities(formatQuantity(lim), formatQuantity(req)) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function goFieldName(key: string): string {
  return key === 'dnsPolicy' ? 'DNSPolicy' : key === 'dnsConfig' ? 'DNSConfig' : key === 'os' ? 'OS' : key.charAt(0).toUpperCase() + key.slice(1);
}

/** An approximation of cmp.Diff(old, new) over PodSpec fields: the real one prints Go values. */
function podSpecDiff(oldSpec: PodSpec, newSpec: PodSpec): string {
  const o = oldSpec as unknown as Record<string, unknown>;
  const n = newSpec as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(o), ...Object.keys(n)])];
  let out = '  core.PodSpec{\n';
  for (const key of keys) {
    if (semanticEqual(o[key], n[key])) continue;
    if (o[key] !== undefined) out += `- \t${goFieldName(key)}: ${JSON.stringify(o[key])},\n`;
    if (n[key] !== undefined) out += `+ \t${goFieldName(key)}: ${JSON.stringify(n[key])},\n`;
  }
  return `${out}  }\n`;
}

function validateOnlyAddedTolerations(next: PodSpec['tolerations'], prev: PodSpec['tolerations'], path: string): FieldError[] {
  for (const old of prev ?? []) {
    const kept = (next ?? []).some((t) => semanticEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept) return [forbiddenField(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next ?? [], path);
}

function validatePodConditions(status: PodStatus | undefined): FieldError[] {
  const system = new Set(['PodScheduled', 'Ready', 'Initialized']);
  const errs: FieldError[] = [];
  (status?.conditions ?? []).forEach((c, i) => {
    if (system.has(c.type)) return;
    // Upstream reports these under metadata.conditions[i].Type (sic).
    errs.push(...isQualifiedName(c.type ?? '').map((m) => invalidValue(`metadata.conditions[${i}].Type`, c.type ?? '', m)));
  });
  return errs;
}

function validateStatusIPs(status: PodStatus | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const check = (list: Array<{ ip?: string }> | undefined, path: string): void => {
    (list ?? []).forEach((entry, i) => {
      const ip = entry.ip ?? '';
      if (!isIP(ip)) errs.push(invalidValue(index(path, i), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    });
  };
  check(status?.podIPs, 'status.podIPs');
  const hostIPs = status?.hostIPs ?? [];
  if (hostIPs.length > 0 && status?.hostIP !== hostIPs[0]!.ip) errs.push(invalidValue('status.hostIPs[0].ip', hostIPs[0]!.ip ?? '', 'must be equal to `hostIP`'));
  check(hostIPs, 'status.hostIPs');
  return errs;
}

function asPod(obj: KubeObject): Pod {
  return obj as unknown as Pod;
}

/** ValidatePodCreate's spec part (metadata is the registry's): spec, pod-only container checks, create-only rules. */
function validatePodCreate(pod: Pod): FieldError[] {
  const spec = pod.spec;
  const errs = [...validatePodSpec(spec, 'spec', { resourceIsPod: true }), ...validateContainersOnlyForPod(spec, 'spec')];
  if ((spec?.ephemeralContainers ?? []).length > 0) errs.push(forbiddenField('spec.ephemeralContainers', 'cannot be set on create'));
  if (spec?.nodeName && (spec.schedulingGates ?? []).length > 0) errs.push(forbiddenField('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  return errs;
}

/** ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations, removed scheduling gates and a negative grace period's 1 may change. */
function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const spec = pod.spec ?? ({} as PodSpec);
  const oldSpec = old.spec ?? ({} as PodSpec);
  const errs = [...validatePodSpec(spec, 'spec', { resourceIsPod: true }), ...validateContainersOnlyForPod(spec, 'spec')];
  for (const list of ['containers', 'initContainers'] as const) {
    const next = spec[list] ?? [];
    if (next.length !== (oldSpec[list] ?? []).length) {
      errs.push(forbiddenField(child('spec', list), 'pod updates may not add or remove containers'));
      return errs;
    }
    next.forEach((c, i) => {
      if (!c.image) errs.push(required(child(index(child('spec', list), i), 'image')));
    });
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (ads < 0 || ads > 2147483647) return [...errs, invalidValue('spec.activeDeadlineSeconds', ads, 'must be between 0 and 2147483647, inclusive')];
    if (oldAds !== undefined && oldAds !== null && oldAds < ads) return [...errs, invalidValue('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value')];
  } else if (oldAds !== undefined && oldAds !== null) {
    errs.push(invalidValue('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  const oldGates = new Set((oldSpec.schedulingGates ?? []).map((g) => g.name));
  (spec.schedulingGates ?? []).forEach((g, i) => {
    if (!oldGates.has(g.name)) errs.push(forbiddenField(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g.name}'`));
  });
  if (semanticEqual(spec, oldSpec)) return errs;
  if (computePodQOS(spec) !== computePodQOS(oldSpec)) errs.push(invalidValue('metadata', (pod.status?.qosClass ?? '') as string, 'Pod QoS is immutable'));
  const munged = clone(spec) as PodSpec;
  (munged.containers ?? []).forEach((c, i) => (c.image = oldSpec.containers?.[i]?.image as string));
  (munged.initContainers ?? []).forEach((c, i) => (c.image = oldSpec.initContainers?.[i]?.image as string));
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  if ((oldSpec.terminationGracePeriodSeconds ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  if (!semanticEqual(munged, oldSpec))
    errs.push(forbiddenField('spec', `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${podSpecDiff(oldSpec, munged)}`));
  return errs;
}

/** ValidatePodStatusUpdate: metadata, condition types, IPs; the node name is the binding's. */
function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodConditions(pod.status));
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) errs.push(forbiddenField('status.nodeName', 'may not be changed directly'));
  const nominated = pod.status?.nominatedNodeName;
  if (nominated && nominated !== old.status?.nominatedNodeName)
    errs.push(...isDNS1123Subdomain(nominated).map((m) => invalidValue('status.nominatedNodeName', nominated, m)));
  errs.push(...validateStatusIPs(pod.status));
  return errs;
}

/** DefaultTolerationSeconds admission: how long a pod stays on a not-ready or unreachable node. */
export const DEFAULT_TOLERATION_SECONDS = 300;

/**
 * The DefaultTolerationSeconds admission plugin: a pod without a NoExecute toleration for
 * `node.kubernetes.io/not-ready` (and for `unreachable`) gets one with tolerationSeconds 300,
 * appended after its own; a toleration with an empty key or effect counts as one. Mutates spec.
 */
export function addDefaultTolerationSeconds(spec: PodSpec): void {
  const tolerations = spec.tolerations ?? [];
  const covers = (key: string) => tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const added = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']
    .filter((key) => !covers(key))
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS }));
  if (added.length) spec.tolerations = [...tolerations, ...added];
}

/** Upstream's pod strategy (pkg/registry/core/pod/strategy.go). */
export const podStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults(obj) {
    const pod = asPod(obj);
    if (!isPlainObject(pod.spec)) pod.spec = {} as PodSpec;
    setPodSpecDefaults(pod.spec);
    setPodOnlyDefaults(pod.spec);
  },

  prepareForCreate(obj) {
    // Admission runs between defaulting and validation, as upstream's chain does.
    if (isPlainObject(obj.spec)) addDefaultTolerationSeconds(asPod(obj).spec!);
    const status: PodStatus = { phase: 'Pending', qosClass: computePodQOS(asPod(obj).spec) };
    obj.status = status;
  },

  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },

  validate(obj) {
    return validatePodCreate(asPod(obj));
  },

  validateUpdate(obj, old) {
    return validatePodUpdate(asPod(obj), asPod(old));
  },

  prepareForStatusUpdate(obj, old) {
    // Shared, not copied: old is stored (frozen) and nothing after this changes the spec.
    obj.spec = old.spec;
    resetObjectMetaForStatus(obj, old);
    const status = (isPlainObject(obj.status) ? obj.status : (obj.status = {})) as PodStatus;
    // QoS is fixed at creation; old kubelets dropped it from their status writes.
    if (!status.qosClass && (old.status as PodStatus | undefined)?.qosClass) status.qosClass = (old.status as PodStatus).qosClass;
  },

  validateStatusUpdate(obj, old) {
    return validatePodStatusUpdate(asPod(obj), asPod(old));
  },

  checkGracefulDelete(obj, requestedSeconds) {
    const pod = asPod(obj);
    let period = requestedSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
    if (!pod.spec?.nodeName) period = 0;
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') period = 0;
    return period < 0 ? 1 : period;
  },
};
