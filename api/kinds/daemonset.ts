// DaemonSets (apps/v1): SetDefaults_DaemonSet plus pod-template defaults, the strategy
// (pkg/registry/apps/daemonset/strategy.go) and apps validation (ValidateDaemonSet*).
// Name rule: DNS-1123 subdomain (ValidateDaemonSetName).
import type { DaemonSet, DaemonSetSpec, DaemonSetStatus, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.js';
import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { clone, isPlainObject, type KubeObject } from '../../store/object.js';
import { forbiddenField, invalidValue, notSupported, required, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import {
  goIntOrString,
  goLabelSelector,
  goStringMap,
  invalidRendered,
  isValidPercent,
  labelSelectorPredicate,
  notSupportedRendered,
  validateLabelSelector,
  validateNonnegative,
  validateObjectMetaUpdate,
  validatePodTemplateSpec,
  type NameRule,
  type NameRuled,
} from '../validation.js';
import { keepAllButStatus, keepOldStatus, semanticEqual } from './common.js';
import { setPodSpecDefaults } from './pod.js';

/** DaemonSets are named like DNS subdomains. */
export const nameRule: NameRule = 'subdomain';

/** The v1 encoding of the internal spec.templateGeneration. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function asDaemonSet(obj: KubeObject): DaemonSet {
  return obj as unknown as DaemonSet;
}

/** Mutable views of the spec parts the defaulter fills in. */
type MutableSpec = { -readonly [K in keyof DaemonSetSpec]: DaemonSetSpec[K] };
type MutableTemplate = { metadata?: Record<string, unknown>; spec?: PodSpec };

/** SetDefaults_DaemonSet and the template's pod defaults; `template.metadata.creationTimestamp: null` as Go encodes it. Mutates obj. */
export function setDaemonSetDefaults(obj: KubeObject): void {
  if (!isPlainObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as MutableSpec;
  if (!isPlainObject(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy as { type?: string; rollingUpdate?: Record<string, unknown> };
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isPlainObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    const ru = strategy.rollingUpdate;
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = 0;
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (!isPlainObject(spec.template)) spec.template = {} as PodTemplateSpec;
  const template = spec.template as MutableTemplate;
  if (!isPlainObject(template.metadata)) template.metadata = {};
  if (template.metadata.creationTimestamp === undefined) template.metadata.creationTimestamp = null;
  if (!isPlainObject(template.spec)) template.spec = {} as PodSpec;
  setPodSpecDefaults(template.spec);
}

function templateGenerationOf(obj: KubeObject): number {
  const value = Number.parseInt(obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '', 10);
  return Number.isFinite(value) ? value : 0;
}

function setTemplateGeneration(obj: KubeObject, generation: number): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

const ZERO_STATUS: DaemonSetStatus = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };

function isPercentString(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9]+%$/.test(v);
}

/** getIntOrPercentValue: a valid percentage's number, else the integer (strings parse as Atoi, 0 on failure). */
function intOrPercentValue(v: unknown): number {
  if (isPercentString(v)) return Number.parseInt(v, 10);
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number.parseInt(v, 10);
  return 0;
}

function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') {
    return isValidPercent(v).map((m) => invalidRendered(path, goIntOrString(v), m));
  }
  if (typeof v === 'number') return validateNonnegative(Math.trunc(v), path);
  return [invalidRendered(path, goIntOrString(v), "must be an integer or percentage (e.g '5%%')")];
}

function validateNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  return isPercentString(v) && Number.parseInt(v, 10) > 100 ? [invalidRendered(path, v, 'must not be greater than 100%')] : [];
}

/** ValidateRollingUpdateDaemonSet: non-negative int or percent ≤ 100%, exactly one of the two non-zero. */
function validateRollingUpdate(ru: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const unavailablePath = `${path}.maxUnavailable`;
  const surgePath = `${path}.maxSurge`;
  errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable ?? 0, unavailablePath));
  errs.push(...validatePositiveIntOrPercent(ru.maxSurge ?? 0, surgePath));
  errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, unavailablePath));
  errs.push(...validateNotMoreThan100Percent(ru.maxSurge, surgePath));
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalidRendered(surgePath, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) errs.push(required(unavailablePath, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function goUpdateStrategy(s: DaemonSetUpdateStrategy): string {
  const ru = s.rollingUpdate ? '(*apps.RollingUpdateDaemonSet)(0xc000010000)' : '(*apps.RollingUpdateDaemonSet)(nil)';
  return `apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(s.type ?? '')}, RollingUpdate:${ru}}`;
}

function validateUpdateStrategy(s: DaemonSetUpdateStrategy | undefined, path: string): FieldError[] {
  const strategy = s ?? {};
  switch (strategy.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (!isPlainObject(strategy.rollingUpdate)) return [required(`${path}.rollingUpdate`)];
      return validateRollingUpdate(strategy.rollingUpdate as Record<string, unknown>, `${path}.rollingUpdate`);
    default:
      return [notSupportedRendered(path, goUpdateStrategy(strategy), ['RollingUpdate', 'OnDelete'])];
  }
}

/** ValidateDaemonSetSpec: selector, selector/labels agreement, template, restart policy, counters, update strategy. */
export function validateDaemonSetSpec(spec: DaemonSetSpec | undefined, path = 'spec'): FieldError[] {
  const s = spec ?? ({} as DaemonSetSpec);
  const errs = validateLabelSelector(s.selector, `${path}.selector`);
  const labels = s.template?.metadata?.labels;
  const matches = labelSelectorPredicate(s.selector);
  if (matches && !matches(labels))
    errs.push(invalidRendered(`${path}.template.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  if (s.selector && Object.keys(s.selector.matchLabels ?? {}).length + (s.selector.matchExpressions ?? []).length === 0)
    errs.push(invalidRendered(`${path}.selector`, goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(s.template, `${path}.template`));
  const restartPolicy = s.template?.spec?.restartPolicy ?? '';
  if (restartPolicy !== 'Always') errs.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy, ['Always']));
  const ads = s.template?.spec?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) errs.push(forbiddenField(`${path}.template.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in DaemonSet is not Supported'));
  errs.push(...validateNonnegative(s.minReadySeconds ?? 0, `${path}.minReadySeconds`));
  errs.push(...validateUpdateStrategy(s.updateStrategy, `${path}.updateStrategy`));
  if (s.revisionHistoryLimit !== undefined && s.revisionHistoryLimit !== null) errs.push(...validateNonnegative(s.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  return errs;
}

/** ValidateDaemonSetStatusUpdate: counters ≥ 0, collisionCount never decreases. */
function validateDaemonSetStatus(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const st = ds.status ?? ({} as DaemonSetStatus);
  const errs: FieldError[] = [];
  for (const f of [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
    'collisionCount',
  ] as const)
    errs.push(...validateNonnegative(st[f] ?? 0, `status.${f}`));
  const oldCount = old.status?.collisionCount;
  const newCount = st.collisionCount;
  if (oldCount !== undefined && oldCount !== null && (newCount === undefined || newCount === null || newCount < oldCount))
    errs.push(invalidValue('status.collisionCount', newCount ?? 0, 'cannot be decremented'));
  return errs;
}

/** Upstream's DaemonSet strategy and status strategy. */
export const daemonSetStrategy: Strategy & NameRuled = {
  nameRule,

  applyDefaults: setDaemonSetDefaults,

  prepareForCreate(obj) {
    obj.status = clone(ZERO_STATUS);
    obj.metadata.generation = 1;
    if (templateGenerationOf(obj) < 1) setTemplateGeneration(obj, 1);
  },

  prepareForUpdate(obj, old) {
    // The registry defaults after this hook; compare defaulted specs, as upstream's decoder would have.
    setDaemonSetDefaults(obj);
    keepOldStatus(obj, old);
    const generation = old.metadata.generation ?? 1;
    const templateGeneration = templateGenerationOf(old);
    const spec = asDaemonSet(obj).spec;
    const oldSpec = asDaemonSet(old).spec;
    if (!semanticEqual(spec?.template, oldSpec?.template)) {
      setTemplateGeneration(obj, templateGeneration + 1);
      obj.metadata.generation = generation + 1;
      return;
    }
    setTemplateGeneration(obj, templateGeneration);
    obj.metadata.generation = semanticEqual(spec, oldSpec) ? generation : generation + 1;
  },

  validate(obj) {
    return validateDaemonSetSpec(asDaemonSet(obj).spec);
  },

  validateUpdate(obj, old) {
    const ds = asDaemonSet(obj);
    const prev = asDaemonSet(old);
    const errs = validateDaemonSetSpec(ds.spec);
    if (!semanticEqual(ds.spec?.selector, prev.spec?.selector)) errs.push(invalidRendered('spec.selector', goLabelSelector(ds.spec?.selector), 'field is immutable'));
    return errs;
  },

  prepareForStatusUpdate(obj, old) {
    keepAllButStatus(obj, old);
  },

  validateStatusUpdate(obj, old) {
    return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateDaemonSetStatus(asDaemonSet(obj), asDaemonSet(old))];
  },
};
