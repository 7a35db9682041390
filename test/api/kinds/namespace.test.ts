import t from 'tap';
import { namespaceStrategy } from '../../../api/kinds/namespace.js';
import { validateObjectMetaCreate } from '../../../api/validation.js';
import type { FieldError } from '../../../api/field-errors.js';
import { clone, deepFreeze, type KubeObject } from '../../../store/object.js';

const ctx = { now: new Date('2024-05-01T10:00:00Z') };

function create(obj: KubeObject): FieldError[] {
  namespaceStrategy.applyDefaults!(obj);
  namespaceStrategy.prepareForCreate!(obj, ctx);
  return [...validateObjectMetaCreate(obj.metadata, { namespaced: false, strategy: namespaceStrategy }), ...namespaceStrategy.validate!(obj)];
}

function stored(name = 'team-a'): KubeObject {
  const obj: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  if (create(obj).length) throw new Error('invalid fixture');
  obj.metadata.uid = 'u1';
  return deepFreeze(obj);
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

t.test('kubectl create namespace (empty spec and status) gets finalizer, phase and name label', async (t) => {
  const obj: KubeObject = { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'foo', creationTimestamp: null as unknown as string }, spec: {}, status: {} };
  t.same(create(obj), []);
  t.same(obj.spec, { finalizers: ['kubernetes'] });
  t.same(obj.status, { phase: 'Active' });
  t.same(obj.metadata.labels, { 'kubernetes.io/metadata.name': 'foo' });
});

t.test('the name label always equals the name', async (t) => {
  const obj: KubeObject = { metadata: { name: 'foo', labels: { 'kubernetes.io/metadata.name': 'bar', team: 'a' } } };
  create(obj);
  t.same(obj.metadata.labels, { 'kubernetes.io/metadata.name': 'foo', team: 'a' });
});

t.test('client finalizers are kept and kubernetes is appended', async (t) => {
  const obj: KubeObject = { metadata: { name: 'foo' }, spec: { finalizers: ['example.com/cleanup'] }, status: { phase: 'Terminating' } };
  t.same(create(obj), []);
  t.same(obj.spec, { finalizers: ['example.com/cleanup', 'kubernetes'] });
  t.same(obj.status, { phase: 'Active' });
});

t.test('namespace names are DNS labels and finalizers are checked', async (t) => {
  const cases: Array<[string, KubeObject, string[]]> = [
    ['dots in the name', { metadata: { name: 'team.a' } }, ['metadata.name: Invalid value: "team.a": must not contain dots']],
    [
      'an unqualified custom spec finalizer',
      { metadata: { name: 'team-a' }, spec: { finalizers: ['cleanup'] } },
      ['spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified'],
    ],
  ];
  for (const [name, obj, expected] of cases) t.same(brief(create(obj)), expected, name);
});

t.test('an update keeps spec.finalizers and status and restores the name label', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec = {};
  next.status = { phase: 'Terminating' };
  next.metadata.labels = { other: 'x' };
  namespaceStrategy.prepareForUpdate!(next, old, ctx);
  namespaceStrategy.applyDefaults!(next);
  t.same(next.spec, { finalizers: ['kubernetes'] });
  t.same(next.status, { phase: 'Active' });
  t.same(next.metadata.labels, { other: 'x', 'kubernetes.io/metadata.name': 'team-a' });
  t.same(namespaceStrategy.validateUpdate!(next, old), []);
});

t.test('status writes follow the phase rules', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.status = { phase: 'Terminating' };
  namespaceStrategy.prepareForStatusUpdate!(next, old, ctx);
  t.same(brief(namespaceStrategy.validateStatusUpdate!(next, old)), ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty']);
  const deleting = deepFreeze({ ...clone(old), metadata: { ...clone(old.metadata), deletionTimestamp: '2024-05-01T10:00:00Z' } }) as KubeObject;
  const active = clone(deleting) as any;
  active.status = {};
  namespaceStrategy.prepareForStatusUpdate!(active, deleting, ctx);
  t.same(brief(namespaceStrategy.validateStatusUpdate!(active, deleting)), ['status.Phase: Invalid value: "Active": may only be \'Terminating\' if `deletionTimestamp` is not empty']);
});

t.test('deletion marks the namespace Terminating and waits for its finalizers', async (t) => {
  const obj = clone(stored()) as any;
  t.equal(namespaceStrategy.deletionBlocked!(obj), true);
  namespaceStrategy.prepareForDelete!(obj, ctx);
  t.equal(obj.status.phase, 'Terminating');
  obj.spec.finalizers = [];
  t.equal(namespaceStrategy.deletionBlocked!(obj), false);
});
