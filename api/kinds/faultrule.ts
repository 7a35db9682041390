// FaultRule (kubemock.dev/v1alpha1, cluster-scoped): makes matching API requests slow, fail with a
// Status (409, 429 with Retry-After, 500, 503) or lose their watch after some events — for the next
// `count` matches, for a `fraction` of them, until `expiresAt` (or `ttlSeconds` after creation).
// Requests to the kubemock.dev group itself are never faulted. Applied by routes/faults.ts.
import { isPlainObject, type KubeObject } from '../../store/object.js';
import { forbiddenField, invalidValue, required, type FieldError } from '../field-errors.js';
import { formatTimestamp } from '../../store/store.js';
import {
  specOf,
  specStatusStrategy,
  validateEnum,
  validateIntRange,
  validateNumberRange,
  validateRegex,
  validateStringList,
  validateTimestamp,
} from './steering-common.js';

export const FAULT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export const FAULT_CODES = [409, 429, 500, 503] as const;

export interface FaultMatch {
  verbs?: string[];
  /** `pods`, `daemonsets.apps`, `pods/status`; empty matches every resource. */
  resources?: string[];
  namespaces?: string[];
  names?: string[];
  /** A regular expression the User-Agent must match. */
  userAgent?: string;
}

export interface FaultAction {
  latencyMs?: number;
  code?: number;
  /** With 429 or 503: the Retry-After header and details.retryAfterSeconds (429 default 1). */
  retryAfterSeconds?: number;
  message?: string;
  /** Watches: end the connection after this many events. */
  dropWatchAfterEvents?: number;
}

export interface FaultRuleSpec {
  match?: FaultMatch;
  action?: FaultAction;
  /** Apply to the next N matches only. */
  count?: number;
  /** Apply to this fraction of matches (0 < fraction ≤ 1; default 1). */
  fraction?: number;
  ttlSeconds?: number;
  expiresAt?: string;
}

export type FaultRulePhase = 'Active' | 'Exhausted' | 'Expired';

export interface FaultRuleStatus {
  phase?: FaultRulePhase;
  /** Requests that matched. */
  matched?: number;
  /** Requests the action was applied to. */
  applied?: number;
  lastAppliedTime?: string;
}

export function faultSpecOf(obj: KubeObject): FaultRuleSpec {
  return specOf(obj) as FaultRuleSpec;
}

/** The phase of a rule at now, from its spec and the number of times it was applied. */
export function faultRulePhase(spec: FaultRuleSpec, applied: number, now: Date): FaultRulePhase {
  if (spec.expiresAt && Date.parse(spec.expiresAt) <= now.getTime()) return 'Expired';
  if (spec.count !== undefined && applied >= spec.count) return 'Exhausted';
  return 'Active';
}

function validateFaultRule(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const match = spec.match;
  if (match !== undefined && match !== null && !isPlainObject(match)) errs.push(invalidValue('spec.match', match, 'must be an object'));
  const m = (isPlainObject(match) ? match : {}) as Record<string, unknown>;
  errs.push(...validateStringList(m.verbs, 'spec.match.verbs', (v) => ((FAULT_VERBS as readonly string[]).includes(v) ? [] : [`supported values: ${FAULT_VERBS.map((x) => JSON.stringify(x)).join(', ')}`])));
  errs.push(...validateStringList(m.resources, 'spec.match.resources', (v) => (/^[a-z0-9-]+(\.[a-z0-9.-]+)?(\/[a-z]+)?$/.test(v) ? [] : ['must be <resource>[.<group>][/<subresource>], e.g. pods, daemonsets.apps, pods/status'])));
  errs.push(...validateStringList(m.namespaces, 'spec.match.namespaces'));
  errs.push(...validateStringList(m.names, 'spec.match.names'));
  errs.push(...validateRegex(m.userAgent, 'spec.match.userAgent'));

  const action = spec.action;
  if (!isPlainObject(action)) errs.push(required('spec.action', 'one of latencyMs, code or dropWatchAfterEvents'));
  else {
    const a = action as FaultAction;
    if (a.latencyMs === undefined && a.code === undefined && a.dropWatchAfterEvents === undefined) errs.push(required('spec.action', 'one of latencyMs, code or dropWatchAfterEvents'));
    errs.push(...validateIntRange(a.latencyMs, 'spec.action.latencyMs', 0, 60_000));
    if (a.code !== undefined && a.code !== null && !(FAULT_CODES as readonly number[]).includes(a.code)) {
      errs.push({ type: 'FieldValueNotSupported', field: 'spec.action.code', message: `Unsupported value: ${JSON.stringify(a.code)}: supported values: ${FAULT_CODES.join(', ')}` });
    }
    errs.push(...validateIntRange(a.retryAfterSeconds, 'spec.action.retryAfterSeconds', 1, 3600));
    if (a.retryAfterSeconds !== undefined && a.code !== 429 && a.code !== 503) errs.push(forbiddenField('spec.action.retryAfterSeconds', 'may only be set with code 429 or 503'));
    errs.push(...validateIntRange(a.dropWatchAfterEvents, 'spec.action.dropWatchAfterEvents', 1, 1_000_000));
    if (a.dropWatchAfterEvents !== undefined && a.code !== undefined) errs.push(forbiddenField('spec.action.dropWatchAfterEvents', 'may not be combined with code: a faulted watch never starts'));
  }
  errs.push(...validateIntRange(spec.count, 'spec.count', 1, 1_000_000_000));
  errs.push(...validateNumberRange(spec.fraction, 'spec.fraction', 0, 1));
  if (spec.fraction === 0) errs.push(invalidValue('spec.fraction', 0, 'must be greater than 0'));
  errs.push(...validateIntRange(spec.ttlSeconds, 'spec.ttlSeconds', 1, 31_536_000));
  errs.push(...validateTimestamp(spec.expiresAt, 'spec.expiresAt'));
  return errs;
}

/** FaultRule: ttlSeconds becomes spec.expiresAt when the rule is created (or its ttl changes). */
export const faultRuleStrategy = specStatusStrategy({
  nameRule: 'subdomain',
  validateSpec: validateFaultRule,
  validateStatus(obj) {
    const s = (isPlainObject(obj.status) ? obj.status : {}) as FaultRuleStatus;
    return [
      ...validateIntRange(s.matched, 'status.matched', 0, Number.MAX_SAFE_INTEGER),
      ...validateIntRange(s.applied, 'status.applied', 0, Number.MAX_SAFE_INTEGER),
      ...validateEnum(s.phase, 'status.phase', ['Active', 'Exhausted', 'Expired']),
    ];
  },
  admit(obj, old, now) {
    const spec = specOf(obj);
    const ttl = spec.ttlSeconds;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1) return;
    const oldTtl = old ? specOf(old).ttlSeconds : undefined;
    if (old && oldTtl === ttl) {
      // An unchanged ttl keeps its deadline, also through a replace that leaves expiresAt out.
      if (spec.expiresAt === undefined && specOf(old).expiresAt !== undefined) spec.expiresAt = specOf(old).expiresAt;
      return;
    }
    spec.expiresAt = formatTimestamp(new Date(now.getTime() + ttl * 1000));
  },
});
