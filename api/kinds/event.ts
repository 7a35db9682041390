// core/v1 Events: upstream keeps them as sent (no defaults, no prepare hooks) and applies only the
// legacy validation for the v1 API (ValidateEventCreate/Update with requestVersion v1), which is
// what client-go's EventRecorder and kubectl rely on.
// Name rule: path segment only (the generic registry's check; ValidateEventCreate adds none for v1).
import type { Event } from 'kubernetes-types/core/v1.js';
import { isPlainObject, type KubeObject } from '../../store/object.js';
import { invalidValue, required, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import { isDNS1123Subdomain, isQualifiedName, type NameRule, type NameRuled } from '../validation.js';

/** Event names only have to be valid path segments. */
export const nameRule: NameRule = 'path-segment';

/** Go encodes Event's non-pointer fields even when empty: timestamps as null, strings as "", structs as {}. Mutates obj. */
export function setEventDefaults(obj: KubeObject): void {
  if (!isPlainObject(obj.involvedObject)) obj.involvedObject = {};
  if (!isPlainObject(obj.source)) obj.source = {};
  for (const key of ['firstTimestamp', 'lastTimestamp', 'eventTime']) if (obj[key] === undefined) obj[key] = null;
  for (const key of ['reportingComponent', 'reportingInstance']) if (obj[key] === undefined) obj[key] = '';
}

/** legacyValidateEvent: namespaces agree with the involved object; new-style events (eventTime set) name their reporter. */
export function validateLegacyEvent(event: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = event.metadata?.namespace ?? '';
  const involvedNamespace = event.involvedObject?.namespace ?? '';
  const mismatch = (): FieldError => invalidValue('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  if (!event.eventTime) {
    if (!involvedNamespace) {
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (!involvedNamespace && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch());
    const controller = event.reportingComponent ?? '';
    if (!controller) errs.push(required('reportingController'));
    errs.push(...isQualifiedName(controller).map((m) => invalidValue('reportingController', controller, m)));
    const instance = event.reportingInstance ?? '';
    if (!instance) errs.push(required('reportingInstance'));
    if (instance.length > 128) errs.push(invalidValue('reportingInstance', '', 'can have at most 128 characters'));
    const action = event.action ?? '';
    if (!action) errs.push(required('action'));
    if (action.length > 128) errs.push(invalidValue('action', '', 'can have at most 128 characters'));
    const reason = event.reason ?? '';
    if (!reason) errs.push(required('reason'));
    if (reason.length > 128) errs.push(invalidValue('reason', '', 'can have at most 128 characters'));
    if ((event.message ?? '').length > 1024) errs.push(invalidValue('message', '', 'can have at most 1024 characters'));
  }
  errs.push(...isDNS1123Subdomain(namespace).map((m) => invalidValue('namespace', namespace, m)));
  return errs;
}

/** Upstream's event strategy, as served under core/v1. */
export const eventStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults: setEventDefaults,

  validate(obj) {
    return validateLegacyEvent(obj as unknown as Event);
  },

  validateUpdate(obj) {
    return validateLegacyEvent(obj as unknown as Event);
  },
};
