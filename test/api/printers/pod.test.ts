import t from 'tap';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../store/object.js';
import { podTable } from '../../../api/printers/pod.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

const COLUMNS = ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'];

type PodInput = Omit<Pod, 'metadata'> & { metadata?: Pod['metadata'] };

function pod(input: PodInput): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    ...input,
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(300), ...input.metadata },
  } as KubeObject;
}

const app = (name = 'app') => ({ name, image: 'busybox:1.36' });
const sidecar = (name = 'proxy') => ({ name, image: 'envoy', restartPolicy: 'Always' });

function cs(name: string, state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, state, ...extra };
}
const running = (name = 'app', ready = true, extra: Partial<ContainerStatus> = {}) =>
  cs(name, { running: { startedAt: ago(200) } }, { ready, started: true, ...extra });
const waiting = (name: string, reason?: string, extra: Partial<ContainerStatus> = {}) =>
  cs(name, { waiting: reason === undefined ? {} : { reason } }, extra);
const terminated = (name: string, exitCode: number, more: { reason?: string; signal?: number } = {}) =>
  cs(name, { terminated: { exitCode, ...more } });

/** The Ready, Status and Restarts cells of a pod. */
function summary(obj: KubeObject): [unknown, unknown, unknown] {
  const cells = podTable.cells(obj, now);
  return [cells[1], cells[2], cells[3]];
}

t.test('pod columns are upstream names, types and priorities', async (t) => {
  t.same(
    podTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  );
  for (const c of podTable.columns) t.ok(c.description.length > 0, `${c.name} has a description`);
});

t.test('a running pod prints every cell including the wide ones', async (t) => {
  const obj = pod({
    spec: { containers: [app()], nodeName: 'node-1' },
    status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.7' }, { ip: 'fd00::7' }], containerStatuses: [running()] },
  });
  const cells = podTable.cells(obj, now);
  t.same(cells, ['web-1', '1/1', 'Running', '0', '5m', '10.0.0.7', 'node-1', '<none>', '<none>']);
  t.equal(cells.length, COLUMNS.length);
});

t.test('the pod status column follows every upstream branch', async (t) => {
  const cases: Array<[string, PodInput, [string, string, string]]> = [
    ['pending without statuses', { spec: { containers: [app()] }, status: { phase: 'Pending' } }, ['0/1', 'Pending', '0']],
    ['no status at all', { spec: { containers: [app()] } }, ['0/1', '', '0']],
    [
      'status.reason wins over the phase',
      { spec: { containers: [app()] }, status: { phase: 'Failed', reason: 'Evicted', message: 'low on memory' } },
      ['0/1', 'Evicted', '0'],
    ],
    [
      'a SchedulingGated PodScheduled condition',
      {
        spec: { containers: [app()], schedulingGates: [{ name: 'example.com/gate' }] },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] },
      },
      ['0/1', 'SchedulingGated', '0'],
    ],
    [
      'an Unschedulable PodScheduled condition keeps the phase',
      { spec: { containers: [app()] }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } },
      ['0/1', 'Pending', '0'],
    ],
    [
      'a waiting container shows its reason',
      { spec: { containers: [app()] }, status: { phase: 'Pending', containerStatuses: [waiting('app', 'ContainerCreating')] } },
      ['0/1', 'ContainerCreating', '0'],
    ],
    [
      'a waiting container without a reason keeps the phase',
      { spec: { containers: [app()] }, status: { phase: 'Pending', containerStatuses: [waiting('app')] } },
      ['0/1', 'Pending', '0'],
    ],
    [
      'a terminated container shows its reason',
      { spec: { containers: [app()] }, status: { phase: 'Succeeded', containerStatuses: [terminated('app', 0, { reason: 'Completed' })] } },
      ['0/1', 'Completed', '0'],
    ],
    [
      'a terminated container without reason shows its exit code',
      { spec: { containers: [app()] }, status: { phase: 'Failed', containerStatuses: [terminated('app', 2)] } },
      ['0/1', 'ExitCode:2', '0'],
    ],
    [
      'a terminated container without reason shows its signal first',
      { spec: { containers: [app()] }, status: { phase: 'Failed', containerStatuses: [terminated('app', 137, { signal: 9 })] } },
      ['0/1', 'Signal:9', '0'],
    ],
    [
      'the first container decides when several report',
      {
        spec: { containers: [app('a'), app('b')] },
        status: { phase: 'Running', containerStatuses: [waiting('a', 'CrashLoopBackOff'), waiting('b', 'ImagePullBackOff')] },
      },
      ['0/2', 'CrashLoopBackOff', '0'],
    ],
    [
      'a running but unready container is not counted ready',
      { spec: { containers: [app()] }, status: { phase: 'Running', containerStatuses: [running('app', false)] } },
      ['0/1', 'Running', '0'],
    ],
    [
      'Completed with a running container and a Ready condition becomes Running',
      {
        spec: { containers: [app('a'), app('b')] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [terminated('a', 0, { reason: 'Completed' }), running('b')],
        },
      },
      ['1/2', 'Running', '0'],
    ],
    [
      'Completed with a running container and no Ready condition becomes NotReady',
      {
        spec: { containers: [app('a'), app('b')] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [running('a'), terminated('b', 0, { reason: 'Completed' })],
        },
      },
      ['1/2', 'NotReady', '0'],
    ],
    [
      'Completed with no running container stays Completed',
      {
        spec: { containers: [app('a'), app('b')] },
        status: { phase: 'Running', containerStatuses: [running('a', false), terminated('b', 0, { reason: 'Completed' })] },
      },
      ['0/2', 'Completed', '0'],
    ],
  ];
  for (const [name, input, want] of cases) t.same(summary(pod(input)), want, name);
});

t.test('init containers report Init: states until the pod is initialized', async (t) => {
  const inits = [app('init-a'), app('init-b')];
  const cases: Array<[string, PodInput, [string, string, string]]> = [
    [
      'the first init container is PodInitializing',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [waiting('init-a', 'PodInitializing'), waiting('init-b', 'PodInitializing')] } },
      ['0/1', 'Init:0/2', '0'],
    ],
    [
      'the first init container is running',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [running('init-a', false), waiting('init-b', 'PodInitializing')] } },
      ['0/1', 'Init:0/2', '0'],
    ],
    [
      'the first init container is done and the second running',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [terminated('init-a', 0, { reason: 'Completed' }), running('init-b', false)] } },
      ['0/1', 'Init:1/2', '0'],
    ],
    [
      'an init container waits with a reason',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [waiting('init-a', 'ErrImagePull')] } },
      ['0/1', 'Init:ErrImagePull', '0'],
    ],
    [
      'an init container fails with a reason',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [terminated('init-a', 1, { reason: 'Error' })] } },
      ['0/1', 'Init:Error', '0'],
    ],
    [
      'an init container fails with an exit code only',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [terminated('init-a', 3)] } },
      ['0/1', 'Init:ExitCode:3', '0'],
    ],
    [
      'an init container is killed by a signal',
      { spec: { initContainers: inits, containers: [app()] }, status: { phase: 'Pending', initContainerStatuses: [terminated('init-a', 137, { signal: 9 })] } },
      ['0/1', 'Init:Signal:9', '0'],
    ],
    [
      'an init container crash-loops and shows its restarts',
      {
        spec: { initContainers: inits, containers: [app()] },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            waiting('init-a', 'CrashLoopBackOff', { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(60) } } }),
          ],
          containerStatuses: [waiting('app', 'PodInitializing', { restartCount: 7 })],
        },
      },
      ['0/1', 'Init:CrashLoopBackOff', '4 (60s ago)'],
    ],
    [
      'all init containers done hands over to the app containers',
      {
        spec: { initContainers: inits, containers: [app()] },
        status: { phase: 'Running', initContainerStatuses: [terminated('init-a', 0, { reason: 'Completed' }), terminated('init-b', 0, { reason: 'Completed' })], containerStatuses: [running()] },
      },
      ['1/1', 'Running', '0'],
    ],
    [
      'an Initialized condition lets the app containers decide despite a failed init container',
      {
        spec: { initContainers: inits, containers: [app()] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [terminated('init-a', 1, { reason: 'Error' })],
          containerStatuses: [waiting('app', 'CrashLoopBackOff')],
        },
      },
      ['0/1', 'CrashLoopBackOff', '0'],
    ],
    [
      'an Initialized condition keeps Init: when the app containers report nothing',
      {
        spec: { initContainers: inits, containers: [app()] },
        status: { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: [terminated('init-a', 1, { reason: 'Error' })] },
      },
      ['0/1', 'Init:Error', '0'],
    ],
    [
      'an Initialized=False condition keeps Init:',
      {
        spec: { initContainers: inits, containers: [app()] },
        status: { phase: 'Pending', conditions: [{ type: 'Initialized', status: 'False' }], initContainerStatuses: [waiting('init-a', 'ErrImagePull')], containerStatuses: [waiting('app', 'PodInitializing')] },
      },
      ['0/1', 'Init:ErrImagePull', '0'],
    ],
  ];
  for (const [name, input, want] of cases) t.same(summary(pod(input)), want, name);
});

t.test('restartable init containers (sidecars) count towards Ready and Restarts', async (t) => {
  const cases: Array<[string, PodInput, [string, string, string]]> = [
    [
      'a started ready sidecar and a ready app',
      {
        spec: { initContainers: [sidecar()], containers: [app()] },
        status: { phase: 'Running', initContainerStatuses: [running('proxy')], containerStatuses: [running()] },
      },
      ['2/2', 'Running', '0'],
    ],
    [
      'a started but unready sidecar',
      {
        spec: { initContainers: [sidecar()], containers: [app()] },
        status: { phase: 'Running', initContainerStatuses: [running('proxy', false)], containerStatuses: [running()] },
      },
      ['1/2', 'Running', '0'],
    ],
    [
      'a sidecar not yet started blocks initialization',
      {
        spec: { initContainers: [sidecar()], containers: [app()] },
        status: { phase: 'Pending', initContainerStatuses: [running('proxy', false, { started: false })], containerStatuses: [waiting('app', 'PodInitializing')] },
      },
      ['0/2', 'Init:0/1', '0'],
    ],
    [
      'a sidecar before a regular init container that is still running',
      {
        spec: { initContainers: [sidecar(), app('init')], containers: [app()] },
        status: { phase: 'Pending', initContainerStatuses: [running('proxy'), running('init', false)], containerStatuses: [waiting('app', 'PodInitializing')] },
      },
      ['1/2', 'Init:1/2', '0'],
    ],
    [
      'sidecar restarts stay counted after initialization, with the latest restart time',
      {
        spec: { initContainers: [sidecar()], containers: [app()] },
        status: {
          phase: 'Running',
          initContainerStatuses: [running('proxy', true, { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } })],
          containerStatuses: [running('app', true, { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(180) } } })],
        },
      },
      ['2/2', 'Running', '3 (3m ago)'],
    ],
    [
      'a sidecar restart later than the app restarts sets the age',
      {
        spec: { initContainers: [sidecar()], containers: [app()] },
        status: {
          phase: 'Running',
          initContainerStatuses: [running('proxy', true, { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } } })],
          containerStatuses: [running('app', true, { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(3600) } } })],
        },
      },
      ['2/2', 'Running', '2 (30s ago)'],
    ],
    [
      'regular init container restarts are dropped once initialized',
      {
        spec: { initContainers: [app('init')], containers: [app()] },
        status: {
          phase: 'Running',
          initContainerStatuses: [cs('init', { terminated: { exitCode: 0, reason: 'Completed' } }, { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(60) } } })],
          containerStatuses: [running('app', true, { restartCount: 1 })],
        },
      },
      ['1/1', 'Running', '1'],
    ],
  ];
  for (const [name, input, want] of cases) t.same(summary(pod(input)), want, name);
});

t.test('restarts show the age of the latest termination', async (t) => {
  const cases: Array<[string, ContainerStatus[], string]> = [
    ['no restarts', [running('a')], '0'],
    ['restarts without a last termination time', [running('a', true, { restartCount: 3 })], '3'],
    ['restarts with a last termination', [running('a', true, { restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } })], '3 (5m ago)'],
    [
      'restarts summed across containers, latest time wins',
      [
        running('a', true, { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(7200) } } }),
        running('b', true, { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } }),
      ],
      '3 (90s ago)',
    ],
    ['a last termination but zero restarts prints just 0', [running('a', true, { lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } })], '0'],
    ['a last termination without finishedAt prints just the count', [running('a', true, { restartCount: 1, lastState: { terminated: { exitCode: 1 } } })], '1'],
    ['a last termination days ago', [running('a', true, { restartCount: 12, lastState: { terminated: { exitCode: 1, finishedAt: ago(49 * 3600) } } })], '12 (2d1h ago)'],
  ];
  for (const [name, statuses, want] of cases) {
    const obj = pod({ spec: { containers: statuses.map((s) => app(s.name)) }, status: { phase: 'Running', containerStatuses: statuses } });
    t.equal(podTable.cells(obj, now)[3], want, name);
  }
});

t.test('a deletion timestamp shows Terminating, or Unknown for a lost node', async (t) => {
  const deletionTimestamp = ago(10);
  const cases: Array<[string, PodInput, string]> = [
    ['a running pod being deleted', { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Running', containerStatuses: [running()] } }, 'Terminating'],
    ['a pending pod being deleted', { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Pending' } }, 'Terminating'],
    [
      'a crash-looping pod being deleted',
      { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Running', containerStatuses: [waiting('app', 'CrashLoopBackOff')] } },
      'Terminating',
    ],
    [
      'a succeeded pod being deleted keeps its status',
      { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Succeeded', containerStatuses: [terminated('app', 0, { reason: 'Completed' })] } },
      'Completed',
    ],
    [
      'a failed pod being deleted keeps its status',
      { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Failed', containerStatuses: [terminated('app', 1, { reason: 'Error' })] } },
      'Error',
    ],
    ['a pod on a lost node being deleted', { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Running', reason: 'NodeLost' } }, 'Unknown'],
    ['a terminal pod on a lost node being deleted', { metadata: { deletionTimestamp }, spec: { containers: [app()] }, status: { phase: 'Failed', reason: 'NodeLost' } }, 'Unknown'],
    ['a pod on a lost node not being deleted', { spec: { containers: [app()] }, status: { phase: 'Running', reason: 'NodeLost' } }, 'NodeLost'],
  ];
  for (const [name, input, want] of cases) t.equal(podTable.cells(pod(input), now)[2], want, name);
});

t.test('the wide pod cells fall back to <none>', async (t) => {
  const cases: Array<[string, PodInput, [string, string, string, string]]> = [
    ['nothing set', { spec: { containers: [app()] }, status: { phase: 'Pending' } }, ['<none>', '<none>', '<none>', '<none>']],
    ['podIP without podIPs is not shown', { spec: { containers: [app()] }, status: { podIP: '10.0.0.1' } }, ['<none>', '<none>', '<none>', '<none>']],
    ['an empty first podIP', { spec: { containers: [app()] }, status: { podIPs: [{ ip: '' }] } }, ['<none>', '<none>', '<none>', '<none>']],
    [
      'node and nominated node',
      { spec: { containers: [app()], nodeName: 'node-2' }, status: { podIPs: [{ ip: 'fd00::1' }], nominatedNodeName: 'node-3' } },
      ['fd00::1', 'node-2', 'node-3', '<none>'],
    ],
    [
      'readiness gates count true conditions',
      {
        spec: { containers: [app()], readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }, { conditionType: 'example.com/x' }] },
        status: {
          conditions: [
            { type: 'example.com/lb', status: 'True' },
            { type: 'example.com/dns', status: 'False' },
          ],
        },
      },
      ['<none>', '<none>', '<none>', '1/3'],
    ],
    [
      'readiness gates use the first matching condition',
      {
        spec: { containers: [app()], readinessGates: [{ conditionType: 'example.com/lb' }] },
        status: {
          conditions: [
            { type: 'example.com/lb', status: 'False' },
            { type: 'example.com/lb', status: 'True' },
          ],
        },
      },
      ['<none>', '<none>', '<none>', '0/1'],
    ],
  ];
  for (const [name, input, want] of cases) t.same(podTable.cells(pod(input), now).slice(5), want, name);
});

t.test('the pod age renders <unknown> without a creation timestamp', async (t) => {
  const obj = pod({ spec: { containers: [app()] } });
  delete obj.metadata.creationTimestamp;
  t.equal(podTable.cells(obj, now)[4], '<unknown>');
});

t.test('every pod row has one cell per column', async (t) => {
  const inputs: PodInput[] = [{}, { spec: { containers: [] } }, { status: { phase: 'Succeeded' } }, { spec: { containers: [app()], readinessGates: [{ conditionType: 'x' }] } }];
  for (const input of inputs) t.equal(podTable.cells(pod(input), now).length, podTable.columns.length);
});

t.test('terminal pods carry the Completed row condition', async (t) => {
  const conditions = podTable.conditions!;
  t.same(conditions(pod({ status: { phase: 'Succeeded' } })), [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  t.same(conditions(pod({ status: { phase: 'Failed' } })), [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
  for (const phase of ['Pending', 'Running', 'Unknown', undefined]) {
    t.equal(conditions(pod({ status: phase ? { phase } : {} })), undefined, String(phase));
  }
});
