import t from 'tap';
import { leaseStrategy } from '../../../api/kinds/lease.js';
import type { FieldError } from '../../../api/field-errors.js';
import { clone, deepFreeze, type KubeObject } from '../../../store/object.js';

const ctx = { now: new Date('2024-05-01T10:00:00Z') };

function lease(spec?: Record<string, unknown>): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, ...(spec ? { spec } : {}) };
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

t.test('a lease without spec gets an empty one', async (t) => {
  const obj = lease();
  leaseStrategy.applyDefaults!(obj);
  t.same(obj.spec, {});
});

t.test('lease spec validation', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a kubelet heartbeat', { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-01T10:00:00.000000Z' }, []],
    ['a zero duration', { leaseDurationSeconds: 0 }, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
    ['negative transitions', { leaseTransitions: -1 }, ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0']],
  ];
  for (const [name, spec, expected] of cases) t.same(brief(leaseStrategy.validate!(lease(spec))), expected, name);
});

t.test('gated coordinated-election fields are dropped unless already in use', async (t) => {
  const obj = lease({ holderIdentity: 'a', strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
  leaseStrategy.prepareForCreate!(obj, ctx);
  t.same(obj.spec, { holderIdentity: 'a' });
  const old = deepFreeze(lease({ strategy: 'OldestEmulationVersion' }));
  const next = clone(old) as any;
  next.spec.strategy = 'Youngest';
  leaseStrategy.prepareForUpdate!(next, old, ctx);
  t.same(brief(leaseStrategy.validateUpdate!(next, old)), ['spec.strategy.strategy: Unsupported value: "Youngest": supported values: "OldestEmulationVersion"']);
});
