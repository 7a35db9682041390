// Leases (coordination.k8s.io/v1): no defaults beyond Go's encoding; ValidateLease(Spec).
// spec.strategy and spec.preferredHolder belong to the CoordinatedLeaderElection feature, off by
// default: like upstream with the gate off, they are dropped unless the stored lease uses them.
// Name rule: DNS-1123 subdomain.
import { isPlainObject, type KubeObject } from '../../store/object.js';
import { forbiddenField, invalidValue, notSupported, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import { isQualifiedName, type NameRule, type NameRuled } from '../validation.js';

/** Leases are named like DNS subdomains. */
export const nameRule: NameRule = 'subdomain';

const GATED_FIELDS = ['strategy', 'preferredHolder'] as const;

function specOf(obj: KubeObject): Record<string, unknown> {
  return isPlainObject(obj.spec) ? obj.spec : {};
}

function dropDisabledFields(obj: KubeObject, old?: KubeObject): void {
  const spec = specOf(obj);
  const oldSpec = old ? specOf(old) : {};
  const inUse = GATED_FIELDS.some((f) => oldSpec[f] !== undefined && oldSpec[f] !== null);
  if (!inUse) for (const f of GATED_FIELDS) delete spec[f];
}

/** ValidateLeaseSpec, including upstream's doubled `strategy.strategy` path for an unknown strategy. */
function validateLeaseSpec(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0) errs.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0) errs.push(invalidValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  const strategy = spec.strategy;
  if (typeof strategy === 'string') {
    if (!strategy.includes('/')) {
      if (strategy !== 'OldestEmulationVersion') errs.push(notSupported('spec.strategy.strategy', strategy, ['OldestEmulationVersion']));
    } else {
      errs.push(...isQualifiedName(strategy).map((m) => invalidValue('spec.strategy.strategy', strategy, m)));
    }
  }
  if (typeof spec.preferredHolder === 'string' && spec.preferredHolder !== '' && !strategy)
    errs.push(forbiddenField('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

/** Upstream's Lease strategy. */
export const leaseStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults(obj) {
    // LeaseSpec is a struct in Go: always encoded, as {} when empty.
    if (!isPlainObject(obj.spec)) obj.spec = {};
  },

  prepareForCreate(obj) {
    dropDisabledFields(obj);
  },

  prepareForUpdate(obj, old) {
    dropDisabledFields(obj, old);
  },

  validate: validateLeaseSpec,

  validateUpdate: validateLeaseSpec,
};
