// End-to-end, "fault injection on the API": a FaultRule makes the next pod create fail with the
// configured code and the one after succeed; a 429 with Retry-After is retried by kubectl itself;
// latency shows in wall time; rules are listed and deleted with kubectl and kubemock.dev requests
// are never faulted. Real kubectl 1.33 against an in-process cluster.
import t from 'tap';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { steeringCluster, steeringKubectl, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();

const rule = (name: string, spec: string) => `apiVersion: kubemock.dev/v1alpha1\nkind: FaultRule\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

t.test('fault rules: the next create fails with the configured code, the one after succeeds', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { ok, k } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 1 });

  for (const [code, reason] of [[500, 'InternalError'], [409, 'Conflict'], [503, 'ServiceUnavailable']] as const) {
    await ok(['create', '-f', '-'], { input: rule(`fail-${code}`, `  match: { verbs: [create], resources: [pods] }\n  action: { code: ${code} }\n  count: 1\n`) });
    const first = await k(['run', `first-${code}`, '--image=nginx']);
    t.equal(first.code, 1, `${code}: the first create fails`);
    t.match(first.stderr, new RegExp(`Error from server \\(${reason}\\).*injected by FaultRule fail-${code}`), `${code}: kubectl prints the Status`);
    t.match(await ok(['run', `second-${code}`, '--image=nginx']), new RegExp(`pod/second-${code} created`), `${code}: the next create succeeds`);
    const row = parseTable(await ok(['get', 'faultrules', `fail-${code}`])).rows[0];
    t.match(row, { NAME: `fail-${code}`, VERBS: 'create', RESOURCES: 'pods', ACTION: String(code), APPLIED: '1/1', PHASE: 'Exhausted' }, `${code}: kubectl get faultrules`);
    t.match(await ok(['delete', 'faultrule', `fail-${code}`]), /deleted/);
  }
  const pods = await ok(['get', 'pods', '-o', 'name']);
  t.notMatch(pods, /first-/, 'no faulted create was stored');

  // 429 with Retry-After: client-go waits and retries by itself, so kubectl succeeds after the delay.
  await ok(['create', '-f', '-'], { input: rule('throttle', '  match: { verbs: [create], resources: [pods] }\n  action: { code: 429, retryAfterSeconds: 1 }\n  count: 2\n') });
  const started = Date.now();
  t.match(await ok(['run', 'throttled', '--image=nginx']), /pod\/throttled created/, 'kubectl retries a 429 with Retry-After');
  t.ok(Date.now() - started >= 1900, 'after waiting Retry-After twice');
  await until('throttle counted', async () => /throttle\s+create\s+pods\s+429 Retry-After 1s\s+2\/2\s+Exhausted/.test(await ok(['get', 'fr'])));

  // Latency, only for what matches (a user agent regex) and only for the next N.
  await ok(['create', '-f', '-'], { input: rule('slow-gets', '  match: { verbs: [get], resources: [nodes], userAgent: "^kubectl" }\n  action: { latencyMs: 1500 }\n  count: 1\n') });
  let t0 = Date.now();
  await ok(['get', 'node', 'node-1']);
  t.ok(Date.now() - t0 >= 1500, 'the matching get is slow');
  t0 = Date.now();
  await ok(['get', 'node', 'node-1']);
  t.ok(Date.now() - t0 < 1500, 'the one after is not');

  // A rule for everything never locks kubectl out of kubemock.dev: rules stay listable and deletable.
  await ok(['create', '-f', '-'], { input: rule('everything', '  action: { code: 503 }\n') });
  const blocked = await k(['get', 'pods']);
  t.match(blocked.stderr, /ServiceUnavailable|injected by FaultRule everything/, 'every other request fails');
  const listed = parseTable(await ok(['get', 'faultrules']));
  t.match(listed.rows.find((r) => r.NAME === 'everything'), { VERBS: '*', RESOURCES: '*', ACTION: '503', PHASE: 'Active' });
  await ok(['delete', 'faultrules', '--all']);
  t.match(await ok(['get', 'pods', '-o', 'name']), /pod\/second-500/, 'the cluster answers again');

  // The kinds explain themselves from their OpenAPI schemas, and the category lists the group.
  const explained = await ok(['explain', 'faultrule.spec.action']);
  t.match(explained, /GROUP:\s+kubemock.dev\nKIND:\s+FaultRule\nVERSION:\s+v1alpha1/);
  t.match(explained, /retryAfterSeconds\t<integer>/);
  await ok(['create', '-f', '-'], { input: rule('listed', '  action: { latencyMs: 1 }\n  count: 1\n') });
  t.match(await ok(['get', 'kubemock']), /faultrule.kubemock.dev\/listed/, 'kubectl get kubemock lists the group\'s objects');
  await ok(['delete', 'faultrule', 'listed']);

  // Validation: 422 with causes.
  const invalid = await k(['create', '-f', '-'], { input: rule('bad', '  match: { verbs: [fly] }\n  action: { code: 418, retryAfterSeconds: 5 }\n  fraction: 2\n') });
  t.equal(invalid.code, 1);
  t.match(invalid.stderr, /The FaultRule "bad" is invalid: \n\* spec.match.verbs\[0\]: Invalid value: "fly".*\n\* spec.action.code: Unsupported value: 418.*\n\* spec.action.retryAfterSeconds: Forbidden: may only be set with code 429 or 503\n\* spec.fraction: Invalid value: 2: must be less than or equal to 1/, 'kubectl prints every cause of the 422');
});
