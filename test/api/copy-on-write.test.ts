// Controllers' writes (internal patches) share what they do not replace with the stored object
// instead of deep-copying it, and an in-place edit of a shared part fails instead of changing
// stored state.
import t from 'tap';
import { buildServer } from '../../server/app.js';
import { nodes, pods } from '../../api/resources.js';
import { writableCopy, type KubeObject } from '../../store/object.js';
import { throwsStatus } from '../helpers/status.js';

const PODS = { group: '', resource: 'pods' };

t.test('writableCopy owns its top level, metadata, spec and status, and shares what is deeper', async (t) => {
  const stored = Object.freeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: Object.freeze({ name: 'p', labels: Object.freeze({ a: 'b' }) }),
    spec: Object.freeze({ containers: Object.freeze([Object.freeze({ name: 'c' })]) }),
    status: Object.freeze({ phase: 'Pending' }),
  }) as KubeObject;
  const copy = writableCopy(stored);
  copy.metadata.resourceVersion = '2';
  (copy.spec as Record<string, unknown>).nodeName = 'n';
  (copy.status as Record<string, unknown>).phase = 'Running';
  t.equal(copy.metadata.labels, stored.metadata.labels, 'deeper parts are shared');
  t.equal((copy.spec as { containers: unknown }).containers, (stored.spec as { containers: unknown }).containers);
  t.same(stored, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } }, 'the stored object is unchanged');
  t.throws(() => {
    (copy.metadata.labels as Record<string, string>).x = 'y';
  }, TypeError, 'a shared part cannot be edited in place');
});

t.test('an internal status write stores the new status and shares the unchanged spec and labels', async (t) => {
  const app = await buildServer({ data: 'memory', nodes: 1, logLevel: 'silent' });
  t.teardown(() => app.close());
  await app.ready();
  const registry = app.registry;
  const created = await registry.create(pods, 'default', { metadata: { name: 'p', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m' } } }] } });
  const updated = await registry.patch(pods, 'default', 'p', (pod) => {
    pod.status = { ...(pod.status as object), phase: 'Running' };
    return pod;
  }, { subresource: 'status', internal: true });
  t.equal((updated.status as { phase: string }).phase, 'Running');
  t.equal(updated.spec, created.spec, 'the spec is the stored one, not a copy');
  t.equal(updated.metadata.labels, created.metadata.labels);
  t.not(updated.metadata.resourceVersion, created.metadata.resourceVersion);
  t.equal(app.registry.store.get(PODS, 'default', 'p'), updated);
  t.ok(Object.isFrozen(updated.status), 'what the write replaced is frozen when stored');

  // Node status defaults (canonical quantities) leave an already-canonical, shared list alone.
  const node = await registry.patch(nodes, undefined, 'node-1', (n) => {
    n.status = { ...(n.status as object), phase: 'Running' };
    return n;
  }, { subresource: 'status', internal: true });
  t.equal((node.status as { phase: string }).phase, 'Running');

  await t.rejects(
    registry.patch(pods, 'default', 'p', (pod) => {
      ((pod.spec as { containers: Array<{ image: string }> }).containers[0]!).image = 'changed';
      return pod;
    }, { internal: true }),
    /read only/,
    'an in-place edit of a shared part fails',
  );
  t.equal(((app.registry.store.get(PODS, 'default', 'p')!.spec as { containers: Array<{ image: string }> }).containers[0]!).image, 'nginx', 'and changes nothing stored');
});

t.test('a patch that is not internal still gets a deep copy to edit in place (patch documents)', async (t) => {
  const app = await buildServer({ data: 'memory', nodes: 0, logLevel: 'silent' });
  t.teardown(() => app.close());
  await app.ready();
  await app.registry.create(pods, 'default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const updated = await app.registry.patch(pods, 'default', 'p', (pod) => {
    ((pod.spec as { containers: Array<{ image: string }> }).containers[0]!).image = 'nginx:2';
    return pod;
  });
  t.equal(((updated.spec as { containers: Array<{ image: string }> }).containers[0]!).image, 'nginx:2');
});

t.test('a patch document is decode-checked; an internal mutator (typed code) is not', async (t) => {
  const app = await buildServer({ data: 'memory', nodes: 0, logLevel: 'silent' });
  t.teardown(() => app.close());
  await app.ready();
  await app.registry.create(pods, 'default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  await throwsStatus(
    t,
    app.registry.patch(pods, 'default', 'p', (pod) => {
      (pod.spec as Record<string, unknown>).hostNetwork = 'yes';
      return pod;
    }),
    { code: 422 },
  );
  try {
    await app.registry.patch(pods, 'default', 'p', (pod) => {
      (pod.spec as Record<string, unknown>).hostNetwork = 'yes';
      return pod;
    });
  } catch (err) {
    t.match((err as Error).message, /cannot unmarshal string into Go struct field PodSpec\.spec\.hostNetwork of type bool/);
  }
});

t.test('an internal create takes the body over; a client create copies it and checks its JSON types', async (t) => {
  const app = await buildServer({ data: 'memory', nodes: 0, logLevel: 'silent' });
  t.teardown(() => app.close());
  await app.ready();
  const clientBody = { metadata: { name: 'from-client' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const fromClient = await app.registry.create(pods, 'default', clientBody);
  t.not(fromClient, clientBody, 'a client body is copied');
  t.notOk(Object.isFrozen(clientBody), 'and left as the caller had it');
  t.same(clientBody.metadata, { name: 'from-client' });

  const ownBody = { metadata: { name: 'from-controller' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const own = await app.registry.create(pods, 'default', ownBody, { internal: true });
  t.equal(own, ownBody, 'an internal body is stored as it is (defaulted and frozen), not copied');
  t.ok(Object.isFrozen(ownBody));

  await throwsStatus(t, app.registry.create(pods, 'default', { metadata: { name: 'bad' }, spec: { hostNetwork: 'yes', containers: [{ name: 'c', image: 'nginx' }] } }), { code: 400 });
});
