import t from 'tap';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../store/object.js';
import { nodeTable } from '../../../api/printers/node.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

type NodeInput = Omit<Node, 'metadata'> & { metadata?: Node['metadata'] };

function node(input: NodeInput = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    ...input,
    metadata: { name: 'node-1', creationTimestamp: ago(3 * 86400 + 4 * 3600), ...input.metadata },
  } as KubeObject;
}

const nodeInfo = {
  architecture: 'amd64',
  bootID: '',
  containerRuntimeVersion: 'containerd://1.7.2',
  kernelVersion: '6.1.0-13-amd64',
  kubeProxyVersion: '',
  kubeletVersion: 'v1.30.2',
  machineID: '',
  operatingSystem: 'linux',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  systemUUID: '',
};

t.test('node columns are upstream names, types and priorities', async (t) => {
  t.same(
    nodeTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Status', 'string', '', 0],
      ['Roles', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['Version', 'string', '', 0],
      ['Internal-IP', 'string', '', 1],
      ['External-IP', 'string', '', 1],
      ['OS-Image', 'string', '', 1],
      ['Kernel-Version', 'string', '', 1],
      ['Container-Runtime', 'string', '', 1],
    ],
  );
});

t.test('a ready node prints every cell including the wide ones', async (t) => {
  const obj = node({
    metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [
        { type: 'Hostname', address: 'node-1' },
        { type: 'InternalIP', address: '10.0.0.2' },
        { type: 'InternalIP', address: '10.0.0.3' },
        { type: 'ExternalIP', address: '203.0.113.5' },
      ],
      nodeInfo,
    },
  });
  const cells = nodeTable.cells(obj, now);
  t.same(cells, ['node-1', 'Ready', 'control-plane', '3d4h', 'v1.30.2', '10.0.0.2', '203.0.113.5', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-13-amd64', 'containerd://1.7.2']);
  t.equal(cells.length, nodeTable.columns.length);
});

t.test('the node status reflects the Ready condition and cordoning', async (t) => {
  const cases: Array<[string, NodeInput, string]> = [
    ['Ready True', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'Ready'],
    ['Ready False', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, 'NotReady'],
    ['Ready Unknown', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, 'NotReady'],
    ['no Ready condition', { status: { conditions: [{ type: 'MemoryPressure', status: 'False' }] } }, 'Unknown'],
    ['no status', {}, 'Unknown'],
    ['other conditions are ignored', { status: { conditions: [{ type: 'DiskPressure', status: 'True' }, { type: 'Ready', status: 'True' }] } }, 'Ready'],
    ['the last Ready condition wins', { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False' }] } }, 'NotReady'],
    ['cordoned and ready', { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'Ready,SchedulingDisabled'],
    ['cordoned and not ready', { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }, 'NotReady,SchedulingDisabled'],
    ['cordoned without conditions', { spec: { unschedulable: true } }, 'Unknown,SchedulingDisabled'],
    ['explicitly schedulable', { spec: { unschedulable: false }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'Ready'],
  ];
  for (const [name, input, want] of cases) t.equal(nodeTable.cells(node(input), now)[1], want, name);
});

t.test('node roles come from role labels, sorted and de-duplicated', async (t) => {
  const cases: Array<[string, Record<string, string> | undefined, string]> = [
    ['no labels', undefined, '<none>'],
    ['unrelated labels', { 'kubernetes.io/hostname': 'node-1' }, '<none>'],
    ['one role label', { 'node-role.kubernetes.io/worker': '' }, 'worker'],
    ['role label value is ignored', { 'node-role.kubernetes.io/worker': 'yes' }, 'worker'],
    ['several role labels sorted', { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/etcd': '' }, 'control-plane,etcd,worker'],
    ['an empty role suffix is ignored', { 'node-role.kubernetes.io/': '' }, '<none>'],
    ['the legacy role label', { 'kubernetes.io/role': 'master' }, 'master'],
    ['an empty legacy role label is ignored', { 'kubernetes.io/role': '' }, '<none>'],
    ['both kinds merge without duplicates', { 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/infra': '' }, 'infra,worker'],
  ];
  for (const [name, labels, want] of cases) t.equal(nodeTable.cells(node({ metadata: { labels } }), now)[2], want, name);
});

t.test('node wide cells fall back to <none> and <unknown>', async (t) => {
  const cases: Array<[string, NodeInput, unknown[]]> = [
    ['no status', {}, ['', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']],
    [
      'empty node info strings',
      { status: { nodeInfo: { ...nodeInfo, kubeletVersion: '', osImage: '', kernelVersion: '', containerRuntimeVersion: '' } } },
      ['', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    ['only an external address', { status: { addresses: [{ type: 'ExternalIP', address: '198.51.100.1' }] } }, ['', '<none>', '198.51.100.1', '<unknown>', '<unknown>', '<unknown>']],
    ['an internal address listed after others', { status: { addresses: [{ type: 'InternalDNS', address: 'n1.local' }, { type: 'InternalIP', address: '10.1.1.1' }] } }, ['', '10.1.1.1', '<none>', '<unknown>', '<unknown>', '<unknown>']],
  ];
  for (const [name, input, want] of cases) t.same(nodeTable.cells(node(input), now).slice(4), want, name);
});

t.test('the node age renders <unknown> without a creation timestamp', async (t) => {
  const obj = node();
  delete obj.metadata.creationTimestamp;
  t.equal(nodeTable.cells(obj, now)[3], '<unknown>');
});
