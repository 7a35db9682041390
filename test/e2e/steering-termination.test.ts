// End-to-end, "termination grace period on a virtual clock": the real server process with
// `--clock virtual`; a PodStage makes the containers of app=stubborn ignore SIGTERM, so a deleted
// pod with terminationGracePeriodSeconds 30 stays Terminating until the kubelet kills it at the end
// of the grace period. Advancing the Clock 29 s leaves it Terminating; one more second and it is
// gone as soon as the clock has settled. A pod whose containers honour SIGTERM is gone after 1 s.
import t from 'tap';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { advanceClock, steeringKubectl, steeringServer, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();

const STAGE = `apiVersion: kubemock.dev/v1alpha1
kind: PodStage
metadata: { name: stubborn }
spec:
  selector: { matchLabels: { app: stubborn } }
  termination: { ignoreSigterm: true }
`;
const pod = (name: string) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: ${name} } }
spec:
  terminationGracePeriodSeconds: 30
  containers: [{ name: c, image: busybox }]
`;

t.test('a virtual clock advances a pod\'s 30 s termination grace period at once', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { k, ok } = await steeringServer(t, (kubectlFound as { binary: string }).binary, { nodes: 1, args: ['--clock', 'virtual'] });
  await until('the clock', async () => (await k(['get', 'clock', 'cluster'])).code === 0);
  const podRows = async () => parseTable(await ok(['get', 'pods'])).rows;
  const status = async (name: string) => (await podRows()).find((r) => r.NAME === name)?.STATUS;

  await ok(['apply', '-f', '-'], { input: STAGE + pod('stubborn') + pod('polite') });
  t.match(parseTable(await ok(['get', 'podstages', '-o', 'wide'])).rows[0], { NAME: 'stubborn', TERMINATION: 'ignores SIGTERM' });
  await until('both pods bound', async () => (await ok(['get', 'pods', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim().split(/\s+/).length === 2);
  await advanceClock(ok, 1);
  t.same((await podRows()).map((r) => [r.NAME, r.STATUS]), [['polite', 'Running'], ['stubborn', 'Running']], 'both pods run');

  await ok(['delete', 'pod', 'stubborn', 'polite', '--wait=false']);
  const deletion = JSON.parse(await ok(['get', 'pod', 'stubborn', '-o', 'json'])) as { metadata: { deletionTimestamp: string; deletionGracePeriodSeconds: number } };
  t.equal(deletion.metadata.deletionGracePeriodSeconds, 30);
  const clockAt = async () => Date.parse(await ok(['get', 'clock', 'cluster', '-o', 'jsonpath={.status.time}']));
  t.equal(Date.parse(deletion.metadata.deletionTimestamp) - (await clockAt()), 30_000, 'the grace period ends 30 s of cluster time from now');
  t.equal(await status('stubborn'), 'Terminating', 'Terminating before the clock moves');

  await advanceClock(ok, 2);
  t.equal(await status('polite'), undefined, 'a container that honours SIGTERM exits after 1 s: the pod is gone');
  t.equal(await status('stubborn'), 'Terminating', 'the one ignoring SIGTERM is still Terminating');
  const killing = await ok(['get', 'events', '--field-selector', 'involvedObject.name=stubborn,reason=Killing', '-o', 'jsonpath={.items[*].message}']);
  t.equal(killing, 'Stopping container c', 'the kubelet sent SIGTERM');

  await advanceClock(ok, 27);
  t.equal(await status('stubborn'), 'Terminating', '29 s into its grace period it is still Terminating');

  const started = Date.now();
  await advanceClock(ok, 1);
  const gone = await k(['get', 'pod', 'stubborn']);
  t.match(gone.stderr, /pods "stubborn" not found/, `killed at the end of the grace period: gone once the clock settled (${Date.now() - started} ms of real time)`);
});
