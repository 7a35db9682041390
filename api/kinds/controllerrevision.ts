// ControllerRevisions (apps/v1): no defaults beyond Go's encoding, no prepare hooks upstream;
// ValidateControllerRevision(+Update): data is mandatory and immutable, revision ≥ 0 (and mutable,
// since the DaemonSet controller renumbers a reused revision).
// Name rule: DNS-1123 subdomain (ValidateControllerRevisionName).
import type { KubeObject } from '../../store/object.js';
import { required, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import { validateImmutable, validateNonnegative, type NameRule, type NameRuled } from '../validation.js';

/** ControllerRevisions are named like DNS subdomains. */
export const nameRule: NameRule = 'subdomain';

function validateControllerRevision(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...validateNonnegative(obj.revision, 'revision'));
  return errs;
}

/** Upstream's ControllerRevision strategy. */
export const controllerRevisionStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults(obj) {
    // revision is a plain int64 in Go: always encoded, 0 when absent.
    if (obj.revision === undefined || obj.revision === null) obj.revision = 0;
  },

  validate: validateControllerRevision,

  validateUpdate(obj, old) {
    return [...validateControllerRevision(obj), ...validateImmutable(obj.data ?? null, old.data ?? null, 'data')];
  },
};
