// Nodes (core/v1): SetDefaults_NodeStatus, the strategy and status strategy
// (pkg/registry/core/node/strategy.go) and ValidateNode / ValidateNodeUpdate.
// Name rule: DNS-1123 subdomain (ValidateNodeName).
import { isIP } from 'node:net';
import type { Node, NodeStatus, Taint } from 'kubernetes-types/core/v1.js';
import { clone, isPlainObject, type KubeObject } from '../../store/object.js';
import { duplicate, forbiddenField, invalidValue, notSupported, required, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import {
  child,
  duplicateRendered,
  index,
  isValidLabelValue,
  validateLabelName,
  validateObjectMetaUpdate,
  validateResourceQuantity,
  type NameRule,
  type NameRuled,
} from '../validation.js';
import { keepAllButStatus, keepOldStatus, semanticEqual } from './common.js';
import { setResourceListDefaults } from './pod.js';

/** Nodes are named like DNS subdomains. */
export const nameRule: NameRule = 'subdomain';

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function asNode(obj: KubeObject): Node {
  return obj as unknown as Node;
}

// NodeStatus's struct fields are always encoded by Go, empty or not.
const NODE_INFO_FIELDS = ['architecture', 'bootID', 'containerRuntimeVersion', 'kernelVersion', 'kubeProxyVersion', 'kubeletVersion', 'machineID', 'operatingSystem', 'osImage', 'systemUUID'];

/** SetDefaults_NodeStatus (allocatable from capacity), canonical quantities, and Go's always-present status structs. Mutates obj. */
export function setNodeStatusDefaults(obj: KubeObject): void {
  if (!isPlainObject(obj.status)) obj.status = {};
  const status = obj.status as Record<string, unknown>;
  setResourceListDefaults(status.capacity);
  if (status.allocatable === undefined && isPlainObject(status.capacity)) status.allocatable = clone(status.capacity);
  setResourceListDefaults(status.allocatable);
  if (!isPlainObject(status.daemonEndpoints)) status.daemonEndpoints = {};
  const endpoints = status.daemonEndpoints as Record<string, unknown>;
  if (!isPlainObject(endpoints.kubeletEndpoint)) endpoints.kubeletEndpoint = {};
  const kubelet = endpoints.kubeletEndpoint as Record<string, unknown>;
  if (kubelet.Port === undefined) kubelet.Port = 0;
  if (!isPlainObject(status.nodeInfo)) status.nodeInfo = {};
  const info = status.nodeInfo as Record<string, unknown>;
  for (const f of NODE_INFO_FIELDS) if (info[f] === undefined) info[f] = '';
}

function goTaint(t: Taint): string {
  const added = t.timeAdded ? '(*v1.Time)(0xc000010000)' : '(*v1.Time)(nil)';
  return `core.Taint{Key:${JSON.stringify(t.key ?? '')}, Value:${JSON.stringify(t.value ?? '')}, Effect:${JSON.stringify(t.effect ?? '')}, TimeAdded:${added}}`;
}

/** validateNodeTaints, at upstream's path `metadata.taints` (sic). */
function validateTaints(taints: readonly Taint[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  taints.forEach((t, i) => {
    const p = index(path, i);
    errs.push(...validateLabelName(t.key ?? '', child(p, 'key')));
    const msgs = isValidLabelValue(t.value ?? '');
    if (msgs.length > 0) errs.push(invalidValue(child(p, 'value'), t.value ?? '', msgs.join(';')));
    if (!t.effect) errs.push(required(child(p, 'effect')));
    else if (!taintEffects.includes(t.effect)) errs.push(notSupported(child(p, 'effect'), t.effect, taintEffects));
    const keys = seen.get(t.effect ?? '') ?? new Set<string>();
    if (keys.has(t.key ?? '')) {
      errs.push(duplicateRendered(p, goTaint(t), 'taints must be unique by key and effect pair'));
      return;
    }
    keys.add(t.key ?? '');
    seen.set(t.effect ?? '', keys);
  });
  return errs;
}

/** ValidateNodeResources: capacity and allocatable quantities (paths are dotted upstream). */
function validateNodeResources(status: NodeStatus | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['capacity', 'allocatable'] as const)
    for (const [name, q] of Object.entries(status?.[key] ?? {})) errs.push(...validateResourceQuantity(name, q, `status.${key}.${name}`));
  return errs;
}

function isCIDR(value: string): boolean {
  const [ip, bits, extra] = value.split('/');
  if (extra !== undefined || bits === undefined || !/^[0-9]+$/.test(bits)) return false;
  const family = isIP(ip ?? '');
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

/** ValidateNode's spec part (metadata is the registry's): taints, resources, pod CIDRs. */
function validateNode(node: Node): FieldError[] {
  const errs = validateTaints(node.spec?.taints ?? [], 'metadata.taints');
  errs.push(...validateNodeResources(node.status));
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(invalidValue(index('spec.podCIDRs', i), c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  const seen = new Set<string>();
  cidrs.forEach((c, i) => {
    if (seen.has(c)) errs.push(duplicate(index('spec.podCIDRs', i), c));
    seen.add(c);
  });
  return errs;
}

/** ValidateNodeUpdate's checks that ValidateNode lacks: unique addresses, podCIDRs and providerID set once, externalID fixed. */
function validateNodeTransition(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const addresses = node.status?.addresses ?? [];
  addresses.forEach((a, i) => {
    if (addresses.slice(0, i).some((b) => b.type === a.type && b.address === a.address))
      errs.push(duplicateRendered(index('status.addresses', i), `core.NodeAddress{Type:${JSON.stringify(a.type ?? '')}, Address:${JSON.stringify(a.address ?? '')}}`));
  });
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const newCIDRs = node.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0) {
    const message = 'node updates may not change podCIDR except from "" to valid';
    if (oldCIDRs.length !== newCIDRs.length) errs.push(forbiddenField('spec.podCIDRs', message));
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(forbiddenField('spec.podCIDRs', message)));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID)
    errs.push(forbiddenField('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  if (!semanticEqual(node.spec?.externalID, old.spec?.externalID)) errs.push(forbiddenField('spec.externalID', 'may not be updated'));
  return errs;
}

/** Upstream's node strategy: status may be set on create (kubelets register with it); updates keep it. */
export const nodeStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults(obj) {
    if (!isPlainObject(obj.spec)) obj.spec = {};
    setNodeStatusDefaults(obj);
  },

  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },

  validate(obj) {
    return validateNode(asNode(obj));
  },

  validateUpdate(obj, old) {
    // Upstream runs ValidateNode and ValidateNodeUpdate, which repeat the taint and resource checks; they are reported once here.
    return [...validateNode(asNode(obj)), ...validateNodeTransition(asNode(obj), asNode(old))];
  },

  prepareForStatusUpdate(obj, old) {
    keepAllButStatus(obj, old);
    setNodeStatusDefaults(obj);
  },

  validateStatusUpdate(obj, old) {
    const node = asNode(obj);
    return [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata),
      ...validateNodeResources(node.status),
      ...validateNodeTransition(node, asNode(old)),
      ...validateTaints(node.spec?.taints ?? [], 'metadata.taints'),
    ];
  },
};
