// What every kubemock.dev/v1alpha1 kind shares: a spec written by users, a status written by
// kubemock's controllers (the status subresource), generation bumped on spec changes, and small
// field validators for the shapes these kinds use.
import { isPlainObject, type KubeObject } from '../../store/object.js';
import { parseFieldSelector } from '../../store/selectors.js';
import { invalidValue, notSupported, type FieldError } from '../field-errors.js';
import type { Strategy } from '../types.js';
import { type NameRule, type NameRuled, validateLabelSelector, validateObjectMetaUpdate } from '../validation.js';
import { keepAllButStatus, keepOldStatus, semanticEqual } from './common.js';

/** The API group of kubemock's own kinds. */
export const STEERING_GROUP = 'kubemock.dev';
export const STEERING_VERSION = 'v1alpha1';
export const STEERING_API_VERSION = `${STEERING_GROUP}/${STEERING_VERSION}`;

/** The spec of an object as a plain record (empty when absent). */
export function specOf(obj: KubeObject): Record<string, unknown> {
  return isPlainObject(obj.spec) ? obj.spec : {};
}

/** The status of an object as a plain record (empty when absent). */
export function statusOf(obj: KubeObject): Record<string, unknown> {
  return isPlainObject(obj.status) ? obj.status : {};
}

export interface SpecStatusRules {
  nameRule?: NameRule;
  /** Fills spec defaults; mutates obj. Runs before generation is compared. */
  defaults?(obj: KubeObject): void;
  /** Field errors of a spec (create and update). */
  validateSpec?(obj: KubeObject): FieldError[];
  /** Extra field errors of an update (immutable fields). */
  validateSpecUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Field errors of a status write. */
  validateStatus?(obj: KubeObject): FieldError[];
  /** A write-only request field turned into stored spec at write time (Clock's advanceSeconds); mutates obj. */
  admit?(obj: KubeObject, old: KubeObject | undefined, now: Date): void;
}

/**
 * A spec/status strategy as upstream's for a CRD with a status subresource: create clears status
 * and sets generation 1; an update keeps status and bumps generation when spec changes; a status
 * write keeps everything but status.
 */
export function specStatusStrategy(rules: SpecStatusRules): Strategy & NameRuled {
  const defaults = (obj: KubeObject): void => {
    if (!isPlainObject(obj.spec)) obj.spec = {};
    rules.defaults?.(obj);
  };
  return {
    nameRule: rules.nameRule ?? 'subdomain',
    applyDefaults: defaults,
    prepareForCreate(obj, ctx) {
      delete obj.status;
      obj.metadata.generation = 1;
      rules.admit?.(obj, undefined, ctx.now);
    },
    prepareForUpdate(obj, old, ctx) {
      keepOldStatus(obj, old);
      defaults(obj);
      rules.admit?.(obj, old, ctx.now);
      const generation = old.metadata.generation ?? 1;
      obj.metadata.generation = semanticEqual(obj.spec, old.spec) ? generation : generation + 1;
    },
    validate: (obj) => rules.validateSpec?.(obj) ?? [],
    validateUpdate: (obj, old) => [...(rules.validateSpec?.(obj) ?? []), ...(rules.validateSpecUpdate?.(obj, old) ?? [])],
    prepareForStatusUpdate(obj, old) {
      keepAllButStatus(obj, old);
    },
    validateStatusUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(rules.validateStatus?.(obj) ?? [])],
  };
}

/** A strategy for kinds only kubemock writes (read-only to clients, enforced by the verbs). */
export function readOnlyStrategy(nameRule: NameRule = 'subdomain'): Strategy & NameRuled {
  return {
    nameRule,
    prepareForUpdate(obj, old) {
      obj.metadata.generation = old.metadata.generation;
    },
  };
}

// ---- field validators ------------------------------------------------------------------------

/** An optional enum field: absent is fine, anything else must be one of values. */
export function validateEnum(value: unknown, path: string, values: readonly string[]): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' && values.includes(value) ? [] : [notSupported(path, value, values)];
}

/** An optional integer within [min, max]. */
export function validateIntRange(value: unknown, path: string, min: number, max: number): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) return [invalidValue(path, value, 'must be an integer')];
  if (value < min) return [invalidValue(path, value, `must be greater than or equal to ${min}`)];
  if (value > max) return [invalidValue(path, value, `must be less than or equal to ${max}`)];
  return [];
}

/** An optional number within [min, max]. */
export function validateNumberRange(value: unknown, path: string, min: number, max: number): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isFinite(value)) return [invalidValue(path, value, 'must be a number')];
  if (value < min) return [invalidValue(path, value, `must be greater than or equal to ${min}`)];
  if (value > max) return [invalidValue(path, value, `must be less than or equal to ${max}`)];
  return [];
}

/** An optional RFC 3339 timestamp. */
export function validateTimestamp(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return [invalidValue(path, value, 'must be an RFC 3339 timestamp')];
  return [];
}

/** An optional regular expression (JavaScript syntax). */
export function validateRegex(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value !== 'string') return [invalidValue(path, value, 'must be a string')];
  try {
    new RegExp(value);
    return [];
  } catch (err) {
    return [invalidValue(path, value, `must be a valid regular expression: ${(err as Error).message}`)];
  }
}

/** An optional list of strings, each passing check (returning messages). */
export function validateStringList(value: unknown, path: string, check: (s: string) => string[] = () => []): FieldError[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [invalidValue(path, value, 'must be a list of strings')];
  const errs: FieldError[] = [];
  value.forEach((v, i) => {
    if (typeof v !== 'string') errs.push(invalidValue(`${path}[${i}]`, v, 'must be a string'));
    else errs.push(...check(v).map((m) => invalidValue(`${path}[${i}]`, v, m)));
  });
  return errs;
}

/** A stage's spec.selector (a label selector) and spec.fieldSelector (over the given fields). */
export function validateStageSelectors(spec: Record<string, unknown>, fields: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.selector !== undefined && spec.selector !== null) {
    if (!isPlainObject(spec.selector)) errs.push(invalidValue('spec.selector', spec.selector, 'must be a label selector'));
    else errs.push(...validateLabelSelector(spec.selector as never, 'spec.selector'));
  }
  if (spec.fieldSelector !== undefined && spec.fieldSelector !== null) {
    try {
      parseFieldSelector(String(spec.fieldSelector), fields);
    } catch (err) {
      errs.push(invalidValue('spec.fieldSelector', spec.fieldSelector, (err as Error).message));
    }
  }
  return errs;
}

/** spec[name] as a record (empty when absent); anything but an object adds an error to errs. */
export function specPart(spec: Record<string, unknown>, name: string, errs: FieldError[]): Record<string, unknown> {
  const v = spec[name];
  if (v !== undefined && v !== null && !isPlainObject(v)) errs.push(invalidValue(`spec.${name}`, v, 'must be an object'));
  return isPlainObject(v) ? v : {};
}
