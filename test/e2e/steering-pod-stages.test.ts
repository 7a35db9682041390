// End-to-end, "pod stages": PodStages change how the simulated kubelet runs the pods they select,
// on a virtual clock advanced with kubectl: half of 40 selected pods fail within the configured
// time, a crash-looping pod's restarts count up, failing image pulls show ErrImagePull then
// ImagePullBackOff, a readiness delay and a start-up delay hold pods back; unselected pods run
// as before. Real kubectl 1.33 against an in-process cluster.
import t from 'tap';
import { stableFraction } from '../../controllers/steering/pod-stages.js';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { steeringCluster, steeringKubectl, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();

const stage = (name: string, spec: string) => `apiVersion: kubemock.dev/v1alpha1\nkind: PodStage\nmetadata:\n  name: ${name}\nspec:\n${spec}---\n`;
const pod = (name: string, app: string, restartPolicy = 'Always') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  labels: { app: ${app} }\nspec:\n  restartPolicy: ${restartPolicy}\n  containers: [{ name: c, image: busybox }]\n---\n`;

t.test('pod stages: failure fraction, crash loops, image pull errors, readiness and start-up delays', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { ok } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 3, clock: 'virtual' });
  const advance = async (seconds: number) => {
    await ok(['patch', 'clock', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { advanceSeconds: seconds } })]);
    await ok(['wait', 'clock/cluster', '--for=condition=Settled', '--timeout=60s']);
  };
  const rows = async (selector: string) => parseTable(await ok(['get', 'pods', '-l', selector])).rows;
  await until('the clock', async () => (await ok(['get', 'clocks', '-o', 'name'])).includes('clock.kubemock.dev/cluster'));

  await ok(['create', '-f', '-'], {
    input:
      stage('crashy', '  selector: { matchLabels: { app: crashy } }\n  failure: { afterMs: 1000, exitCode: 2 }\n') +
      stage('flaky', '  selector: { matchLabels: { app: flaky } }\n  failure: { fraction: 0.5, afterMs: 2000 }\n') +
      stage('pull', '  selector: { matchLabels: { app: pull } }\n  imagePull: {}\n') +
      stage('slow-ready', '  selector: { matchLabels: { app: slow-ready } }\n  readiness: { delayMs: 5000 }\n') +
      stage('slow-start', '  selector: { matchLabels: { app: slow-start } }\n  startup: { delayMs: 3000 }\n'),
  });
  const stages = parseTable(await ok(['get', 'podstages']));
  t.match(stages.rows.find((r) => r.NAME === 'flaky'), { SELECTOR: 'app=flaky', FAILURE: '50% after 2000ms (exit 1)' });

  let pods = '';
  for (let i = 0; i < 40; i++) pods += pod(`flaky-${i}`, 'flaky', 'Never');
  pods += pod('looper', 'crashy') + pod('puller', 'pull') + pod('ready-late', 'slow-ready') + pod('starts-late', 'slow-start') + pod('plain', 'plain');
  await ok(['create', '-f', '-'], { input: pods });
  await until('all 45 pods bound', async () => (await ok(['get', 'pods', '-o', 'jsonpath={.items[*].spec.nodeName}'])).trim().split(/\s+/).length === 45);

  await advance(1);
  t.match((await rows('app=plain'))[0], { READY: '1/1', STATUS: 'Running' }, 'an unselected pod runs as before');
  t.match((await rows('app=slow-ready'))[0], { READY: '0/1', STATUS: 'Running' }, 'readiness delay: running, not ready');
  t.match((await rows('app=slow-start'))[0], { STATUS: 'ContainerCreating' }, 'start-up delay: still creating');
  t.match((await rows('app=pull'))[0], { READY: '0/1', STATUS: /^(ErrImagePull|ImagePullBackOff)$/ }, 'the image pull failed');
  t.ok((await rows('app=flaky')).every((r) => r.STATUS === 'Running'), 'the flaky pods all started');

  await advance(3);
  const flaky = await rows('app=flaky');
  const failed = flaky.filter((r) => r.STATUS === 'Error').length;
  const running = flaky.filter((r) => r.STATUS === 'Running').length;
  t.equal(failed + running, 40, 'every flaky pod either failed or runs');
  t.ok(failed >= 10 && failed <= 30, `about half of the 40 selected pods failed within 2 s of running: ${failed}`);
  const phases = await ok(['get', 'pods', '-l', 'app=flaky', '--field-selector', 'status.phase=Failed', '-o', 'name']);
  t.equal(phases.trim().split('\n').filter(Boolean).length, failed, 'their phase is Failed');
  // Which pods fail is fixed by the stage and each pod's uid: every one of them has failed by now
  // (2 s after it started), whichever node it runs on, and no other.
  const uids = JSON.parse(await ok(['get', 'pods', '-l', 'app=flaky', '-o', 'json'])) as { items: Array<{ metadata: { name: string; uid: string } }> };
  const chosen = uids.items.filter((p) => stableFraction('flaky', p.metadata.uid, 'failure') < 0.5).map((p) => p.metadata.name).sort();
  t.same(flaky.filter((r) => r.STATUS === 'Error').map((r) => r.NAME).sort(), chosen, 'the pods the stage chose are the ones that failed');
  t.match((await rows('app=slow-start'))[0], { READY: '1/1', STATUS: 'Running' }, 'the late starter runs after 3 s');
  t.match((await rows('app=pull'))[0], { STATUS: 'ImagePullBackOff' });
  const pullEvents = await ok(['get', 'events', '--field-selector', 'involvedObject.name=puller,reason=Failed', '-o', 'jsonpath={.items[*].message}']);
  t.match(pullEvents, /Failed to pull image "busybox": rpc error: code = NotFound/);
  t.match((await rows('app=crashy'))[0], { STATUS: 'CrashLoopBackOff', RESTARTS: /^1/ }, 'the crash looper restarted once');

  await advance(5);
  t.match((await rows('app=slow-ready'))[0], { READY: '1/1' }, 'ready after the readiness delay');
  await advance(30);
  const looper = (await rows('app=crashy'))[0]!;
  t.match(looper, { STATUS: /^(CrashLoopBackOff|Running)$/ });
  t.ok(Number.parseInt(looper.RESTARTS!, 10) >= 2, `restarts count up: ${looper.RESTARTS}`);
  const exit = await ok(['get', 'pod', 'looper', '-o', 'jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}']);
  t.equal(exit, '2', 'with the configured exit code');

  // Deleting a stage restores today's behaviour for its pods: the image pull succeeds.
  await ok(['delete', 'podstage', 'pull']);
  await advance(1);
  t.match((await rows('app=pull'))[0], { READY: '1/1', STATUS: 'Running' });
});
