// Namespaces (core/v1): SetDefaults_Namespace(+Status), the strategy and status strategy
// (pkg/registry/core/namespace/strategy.go), ValidateNamespace*, and the Terminating lifecycle.
// Name rule: DNS-1123 label (ValidateNamespaceName).
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { clone, isPlainObject, type KubeObject } from '../../store/object.js';
import { invalidValue, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import { isQualifiedName, validateObjectMetaUpdate, type NameRule, type NameRuled } from '../validation.js';
import { keepAllButStatus } from './common.js';

/** Namespaces are named like DNS labels. */
export const nameRule: NameRule = 'label';

/** The label every namespace carries, always equal to its name. */
export const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

interface NamespaceFields {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

function fields(obj: KubeObject): NamespaceFields {
  return obj as NamespaceFields;
}

/** SetDefaults_Namespace and the Canonicalize step: the name label, empty spec/status structs, phase Active. Mutates obj. */
export function setNamespaceDefaults(obj: KubeObject): void {
  if (obj.metadata.name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [METADATA_NAME_LABEL]: obj.metadata.name };
  if (!isPlainObject(obj.spec)) obj.spec = {};
  setNamespaceStatusDefaults(obj);
}

function setNamespaceStatusDefaults(obj: KubeObject): void {
  if (!isPlainObject(obj.status)) obj.status = {};
  const status = fields(obj).status!;
  status.phase ||= 'Active';
}

/** ValidateNamespace's spec part: each spec.finalizers entry is a qualified, and if unprefixed, standard name. */
function validateNamespaceSpec(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ns.spec?.finalizers ?? []) {
    errs.push(...isQualifiedName(f).map((m) => invalidValue('spec.finalizers', f, m)));
    if (!f.includes('/') && !standardFinalizers.has(f)) errs.push(invalidValue('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

/** Upstream's namespace strategy, status strategy and deletion lifecycle. */
export const namespaceStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults: setNamespaceDefaults,

  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    const spec = (fields(obj).spec ??= {});
    // The kubernetes finalizer is required on create; it may be removed later, so it is no default.
    if (!(spec.finalizers ?? []).includes('kubernetes')) spec.finalizers = [...(spec.finalizers ?? []), 'kubernetes'];
  },

  prepareForUpdate(obj, old) {
    const spec = (isPlainObject(obj.spec) ? obj.spec : (obj.spec = {})) as NonNullable<NamespaceFields['spec']>;
    const oldFinalizers = fields(old).spec?.finalizers;
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = clone(oldFinalizers);
    if (old.status === undefined) delete obj.status;
    else obj.status = clone(old.status);
  },

  validate(obj) {
    return validateNamespaceSpec(obj as unknown as Namespace);
  },

  validateUpdate(obj) {
    return validateNamespaceSpec(obj as unknown as Namespace);
  },

  prepareForStatusUpdate(obj, old) {
    keepAllButStatus(obj, old);
    setNamespaceStatusDefaults(obj);
  },

  validateStatusUpdate(obj, old) {
    const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
    const phase = fields(obj).status?.phase ?? '';
    if (!obj.metadata.deletionTimestamp) {
      if (phase !== 'Active') errs.push(invalidValue('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
    } else if (phase !== 'Terminating') {
      errs.push(invalidValue('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    return errs;
  },

  prepareForDelete(obj) {
    if (!isPlainObject(obj.status)) obj.status = {};
    fields(obj).status!.phase = 'Terminating';
  },

  deletionBlocked(obj) {
    return (fields(obj).spec?.finalizers ?? []).length > 0;
  },
};
