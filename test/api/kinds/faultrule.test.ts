import t from 'tap';
import { faultRulePhase, faultRuleStrategy } from '../../../api/kinds/faultrule.js';
import { faultActionText, faultRuleTable } from '../../../api/printers/faultrule.js';
import type { KubeObject } from '../../../store/object.js';

const rule = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'kubemock.dev/v1alpha1', kind: 'FaultRule', metadata: { name: 'r' }, spec });
const fields = (spec: Record<string, unknown>) => faultRuleStrategy.validate!(rule(spec)).map((e) => `${e.field}: ${e.message}`);

t.test('valid rules pass', async (t) => {
  t.same(fields({ action: { code: 500 } }), []);
  t.same(fields({ match: { verbs: ['create', 'watch'], resources: ['pods', 'daemonsets.apps', 'pods/status'], namespaces: ['default'], names: ['a'], userAgent: '^kubectl' }, action: { latencyMs: 200 }, count: 3, fraction: 0.5, ttlSeconds: 60 }), []);
  t.same(fields({ action: { code: 429, retryAfterSeconds: 2 } }), []);
  t.same(fields({ action: { dropWatchAfterEvents: 3 }, expiresAt: '2026-01-01T00:00:00Z' }), []);
});

t.test('each invalid field is a cause naming it', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{}, 'spec.action: Required value: one of latencyMs, code or dropWatchAfterEvents'],
    [{ action: {} }, 'spec.action: Required value: one of latencyMs, code or dropWatchAfterEvents'],
    [{ action: { code: 404 } }, 'spec.action.code: Unsupported value: 404: supported values: 409, 429, 500, 503'],
    [{ action: { code: 500, retryAfterSeconds: 1 } }, 'spec.action.retryAfterSeconds: Forbidden: may only be set with code 429 or 503'],
    [{ action: { latencyMs: -1 } }, 'spec.action.latencyMs: Invalid value: -1: must be greater than or equal to 0'],
    [{ action: { latencyMs: 1.5 } }, 'spec.action.latencyMs: Invalid value: 1.5: must be an integer'],
    [{ action: { code: 503, dropWatchAfterEvents: 1 } }, 'spec.action.dropWatchAfterEvents: Forbidden: may not be combined with code: a faulted watch never starts'],
    [{ action: { dropWatchAfterEvents: 0 } }, 'spec.action.dropWatchAfterEvents: Invalid value: 0: must be greater than or equal to 1'],
    [{ match: { verbs: ['fly'] }, action: { code: 500 } }, 'spec.match.verbs[0]: Invalid value: "fly": supported values: "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"'],
    [{ match: { resources: ['Pods'] }, action: { code: 500 } }, 'spec.match.resources[0]: Invalid value: "Pods": must be <resource>[.<group>][/<subresource>], e.g. pods, daemonsets.apps, pods/status'],
    [{ match: { userAgent: '(' }, action: { code: 500 } }, 'spec.match.userAgent: Invalid value: "(": must be a valid regular expression: Invalid regular expression: /(/: Unterminated group'],
    [{ action: { code: 500 }, count: 0 }, 'spec.count: Invalid value: 0: must be greater than or equal to 1'],
    [{ action: { code: 500 }, fraction: 0 }, 'spec.fraction: Invalid value: 0: must be greater than 0'],
    [{ action: { code: 500 }, fraction: 1.5 }, 'spec.fraction: Invalid value: 1.5: must be less than or equal to 1'],
    [{ action: { code: 500 }, expiresAt: 'soon' }, 'spec.expiresAt: Invalid value: "soon": must be an RFC 3339 timestamp'],
  ];
  for (const [spec, want] of cases) t.same(fields(spec), [want], want);
});

t.test('ttlSeconds sets expiresAt at creation, and again only when the ttl changes', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  const obj = rule({ action: { code: 500 }, ttlSeconds: 60 });
  faultRuleStrategy.prepareForCreate!(obj, { now });
  t.equal((obj.spec as { expiresAt: string }).expiresAt, '2026-01-01T00:01:00Z');
  const later = { now: new Date('2026-01-01T00:00:30Z') };
  const replaced = rule({ action: { code: 500 }, ttlSeconds: 60 });
  replaced.metadata.generation = 1;
  faultRuleStrategy.prepareForUpdate!(replaced, { ...obj, metadata: { ...obj.metadata, generation: 1 } }, later);
  t.equal((replaced.spec as { expiresAt: string }).expiresAt, '2026-01-01T00:01:00Z', 'a replace without expiresAt keeps the deadline');
  t.equal(replaced.metadata.generation, 1);
  const extended = rule({ action: { code: 500 }, ttlSeconds: 120, expiresAt: '2026-01-01T00:01:00Z' });
  faultRuleStrategy.prepareForUpdate!(extended, { ...obj, metadata: { ...obj.metadata, generation: 1 } }, later);
  t.equal((extended.spec as { expiresAt: string }).expiresAt, '2026-01-01T00:02:30Z');
  t.equal(extended.metadata.generation, 2);
});

t.test('phase: Active, Exhausted at count, Expired at expiresAt', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  t.equal(faultRulePhase({}, 5, now), 'Active');
  t.equal(faultRulePhase({ count: 2 }, 1, now), 'Active');
  t.equal(faultRulePhase({ count: 2 }, 2, now), 'Exhausted');
  t.equal(faultRulePhase({ expiresAt: '2026-01-01T00:00:00Z' }, 0, now), 'Expired');
});

t.test('the table prints the action in words and the applied count', async (t) => {
  t.equal(faultActionText({ code: 429 }), '429 Retry-After 1s');
  t.equal(faultActionText({ latencyMs: 200, code: 503, retryAfterSeconds: 3 }), '+200ms, 503 Retry-After 3s');
  t.equal(faultActionText({ dropWatchAfterEvents: 2 }), 'drop watch after 2 events');
  const obj: KubeObject = { ...rule({ match: { verbs: ['create'], resources: ['pods'] }, action: { code: 500 }, count: 2 }), status: { applied: 1 } };
  obj.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  t.same(faultRuleTable.cells(obj, new Date('2026-01-01T00:00:05Z')).slice(0, 7), ['r', 'create', 'pods', '500', '1/2', 'Active', '5s']);
});
