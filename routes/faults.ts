// Fault injection on the API: one onRequest hook, ahead of the generic handler, that looks up the
// FaultRules matching a resource request (verb, resource, namespace, name, User-Agent) and makes it
// slow, answers it with a Status (409, 429 with Retry-After, 500, 503) or marks a watch to be
// dropped after some events. Rules are evaluated in name order; the first that applies wins.
// Requests to the kubemock.dev group itself are never faulted, so rules can always be removed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refOf, type Registry } from '../api/registry.js';
import { faultRules } from '../api/steering-resources.js';
import { faultRulePhase, faultSpecOf, type FaultAction, type FaultRuleSpec, type FaultRuleStatus } from '../api/kinds/faultrule.js';
import { STEERING_GROUP, statusOf } from '../api/kinds/steering-common.js';
import type { Verb } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
import { StatusError, conflict, internalError, serviceUnavailable, tooManyRequests } from '../store/status-error.js';
import { formatTimestamp } from '../store/store.js';
import { parseResourcePath, requestVerb, type ResourcePath } from './resources.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a FaultRule: the watch this request starts is dropped after this many events. */
    watchEventLimit?: number;
  }
}

const RULES = refOf(faultRules);

/** What a resource request addresses, as FaultRules match it. */
export interface RequestTarget {
  verb: Verb;
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name: string;
}

/** The target of a request on /api or /apis, or undefined for anything else (discovery, OpenAPI, health). */
export function requestTarget(registry: Registry, method: string, url: string): RequestTarget | undefined {
  let parsed;
  try {
    parsed = parseResourcePath(registry, url);
  } catch {
    return undefined; // a malformed path is the handler's to refuse
  }
  if (!parsed || parsed === 'discovery') return undefined;
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  return targetOf(parsed, method, Object.fromEntries(query));
}

/** The target of a request on a parsed resource path (request.parsed.target holds it per request). */
export function targetOf(parsed: ResourcePath, method: string, query: Record<string, string | string[] | undefined>): RequestTarget {
  return {
    // A subresource always comes with a name, so its verb is one for a single object.
    verb: requestVerb(method, parsed.name, query),
    group: parsed.def.group,
    resource: parsed.def.plural,
    ...(parsed.subresource !== undefined ? { subresource: parsed.subresource } : {}),
    namespace: parsed.namespace ?? '',
    name: parsed.name ?? '',
  };
}

function resourceMatches(entry: string, target: RequestTarget): boolean {
  const [resourcePart, sub] = entry.split('/') as [string, string | undefined];
  if ((sub ?? '') !== (target.subresource ?? '')) return false;
  const dot = resourcePart.indexOf('.');
  if (dot < 0) return resourcePart === target.resource;
  return resourcePart.slice(0, dot) === target.resource && resourcePart.slice(dot + 1) === target.group;
}

/** Pure: whether a rule's match selects the request. Empty lists match everything. */
export function faultRuleMatches(spec: FaultRuleSpec, target: RequestTarget, userAgent: string): boolean {
  const m = spec.match ?? {};
  if (m.verbs?.length && !m.verbs.includes(target.verb)) return false;
  if (m.resources?.length && !m.resources.some((r) => resourceMatches(r, target))) return false;
  if (m.namespaces?.length && !m.namespaces.includes(target.namespace)) return false;
  if (m.names?.length && !m.names.includes(target.name)) return false;
  if (m.userAgent) {
    try {
      if (!new RegExp(m.userAgent).test(userAgent)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The Status a faulted request is answered with, as kube-apiserver words each code. */
export function faultStatus(action: FaultAction, target: RequestTarget, ruleName: string): StatusError {
  const why = action.message || `injected by FaultRule ${ruleName}`;
  switch (action.code) {
    case 409:
      return conflict({ group: target.group, resource: target.resource }, target.name, why);
    case 429:
      return tooManyRequests(action.message || `Too many requests, please try again later (injected by FaultRule ${ruleName})`, action.retryAfterSeconds ?? 1);
    case 503: {
      const err = serviceUnavailable(why);
      if (action.retryAfterSeconds) {
        err.status.details = { ...err.status.details, retryAfterSeconds: action.retryAfterSeconds };
        err.headers['retry-after'] = String(action.retryAfterSeconds);
      }
      return err;
    }
    default:
      return internalError(`Internal error occurred: ${why}`);
  }
}

interface Counters {
  matched: number;
  applied: number;
  lastAppliedTime?: string;
  flushing: boolean;
  dirty: boolean;
}

export interface FaultInjectorOptions {
  registry: Registry;
  now: () => Date;
  /** Decides fractions; Math.random by default. */
  random?: () => number;
}

/** Decides which rule applies to a request and keeps the rules' counters (status.matched/applied). */
export class FaultInjector {
  private readonly counters = new Map<string, Counters>();
  private readonly random: () => number;

  constructor(private readonly options: FaultInjectorOptions) {
    this.random = options.random ?? Math.random;
  }

  private countersOf(rule: KubeObject): Counters {
    const uid = rule.metadata.uid!;
    let c = this.counters.get(uid);
    if (!c) {
      // After a restart the stored status is where counting resumes.
      const status = statusOf(rule) as FaultRuleStatus;
      this.counters.set(uid, (c = { matched: status.matched ?? 0, applied: status.applied ?? 0, lastAppliedTime: status.lastAppliedTime, flushing: false, dirty: false }));
    }
    return c;
  }

  /** The rule to apply to this request, if any; counts it as applied. */
  decide(target: RequestTarget, userAgent: string): { name: string; action: FaultAction } | undefined {
    if (target.group === STEERING_GROUP) return undefined;
    const rules = this.options.registry.store.list(RULES);
    if (rules.length === 0) {
      this.counters.clear();
      return undefined;
    }
    const live = new Set(rules.map((r) => r.metadata.uid!));
    for (const uid of this.counters.keys()) if (!live.has(uid)) this.counters.delete(uid);
    const now = this.options.now();
    for (const rule of [...rules].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))) {
      const spec = faultSpecOf(rule);
      if (!spec.action || !faultRuleMatches(spec, target, userAgent)) continue;
      const c = this.countersOf(rule);
      if (faultRulePhase(spec, c.applied, now) !== 'Active') continue;
      c.matched++;
      const applies = spec.fraction === undefined || spec.fraction >= 1 || this.random() < spec.fraction;
      if (applies) {
        c.applied++;
        c.lastAppliedTime = formatTimestamp(now);
      }
      this.flush(rule);
      if (applies) return { name: rule.metadata.name!, action: spec.action };
    }
    return undefined;
  }

  /** Writes a rule's counters to its status; one write in flight per rule, the latest counts win. */
  private flush(rule: KubeObject): void {
    const c = this.countersOf(rule);
    if (c.flushing) {
      c.dirty = true;
      return;
    }
    c.flushing = true;
    c.dirty = false;
    const uid = rule.metadata.uid;
    const { registry, now } = this.options;
    void registry
      .patch(faultRules, undefined, rule.metadata.name!, (current) => {
        if (current.metadata.uid !== uid) throw conflict(RULES, rule.metadata.name!, 'the rule was replaced');
        const status: FaultRuleStatus = {
          phase: faultRulePhase(faultSpecOf(current), c.applied, now()),
          matched: c.matched,
          applied: c.applied,
          ...(c.lastAppliedTime ? { lastAppliedTime: c.lastAppliedTime } : {}),
        };
        current.status = status;
        return current;
      }, { subresource: 'status' })
      .catch(() => {
        // The rule is gone or was replaced: its counters go with it.
      })
      .finally(() => {
        c.flushing = false;
        if (c.dirty && registry.store.get(RULES, undefined, rule.metadata.name!)?.metadata.uid === uid) this.flush(rule);
      });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Installs the fault hook on app (all routes); call before the resource routes are registered. */
export function installFaultInjection(app: FastifyInstance, options: FaultInjectorOptions): FaultInjector {
  const injector = new FaultInjector(options);
  // A callback hook that finishes at once when no FaultRule exists: nearly free on every request.
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    if (options.registry.store.count(RULES) === 0) return done();
    const target = request.parsed.target;
    if (!target) return done();
    const fault = injector.decide(target, request.headers['user-agent'] ?? '');
    if (!fault) return done();
    void (async () => {
      // Real time, also under a virtual clock: the latency is the client's experience.
      if (fault.action.latencyMs) await sleep(fault.action.latencyMs);
      if (fault.action.code !== undefined) throw faultStatus(fault.action, target, fault.name);
      if (fault.action.dropWatchAfterEvents !== undefined && target.verb === 'watch') request.watchEventLimit = fault.action.dropWatchAfterEvents;
    })().then(() => done(), done);
  });
  return injector;
}
