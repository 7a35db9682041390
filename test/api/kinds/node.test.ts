import t from 'tap';
import { nodeStrategy } from '../../../api/kinds/node.js';
import { validateObjectMetaCreate } from '../../../api/validation.js';
import type { FieldError } from '../../../api/field-errors.js';
import { clone, deepFreeze, type KubeObject } from '../../../store/object.js';

const ctx = { now: new Date('2024-05-01T10:00:00Z') };

function node(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec, ...(status ? { status } : {}) };
}

function create(obj: KubeObject): FieldError[] {
  nodeStrategy.applyDefaults!(obj);
  nodeStrategy.prepareForCreate?.(obj, ctx);
  return [...validateObjectMetaCreate(obj.metadata, { namespaced: false, strategy: nodeStrategy }), ...nodeStrategy.validate!(obj)];
}

function stored(spec?: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  const obj = node(spec, status);
  if (create(obj).length) throw new Error('invalid fixture');
  return deepFreeze(obj);
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

t.test('a node created without status gets Go\'s zero status structs', async (t) => {
  const obj = node();
  t.same(create(obj), []);
  t.same(obj.status, {
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      architecture: '',
      bootID: '',
      containerRuntimeVersion: '',
      kernelVersion: '',
      kubeProxyVersion: '',
      kubeletVersion: '',
      machineID: '',
      operatingSystem: '',
      osImage: '',
      systemUUID: '',
    },
  });
});

t.test('a kubelet registration keeps its status and gets allocatable from capacity', async (t) => {
  const obj = node({}, { capacity: { cpu: '4', memory: '8192Mi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] });
  t.same(create(obj), []);
  const status = obj.status as any;
  t.same(status.capacity, { cpu: '4', memory: '8Gi', pods: '110' });
  t.same(status.allocatable, status.capacity);
  t.same(status.conditions, [{ type: 'Ready', status: 'True' }]);
});

t.test('node validation follows upstream paths', async (t) => {
  const cases: Array<[string, KubeObject, string[]]> = [
    ['a name with upper case', { ...node(), metadata: { name: 'Node-1' } }, [
      "metadata.name: Invalid value: \"Node-1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
    ['a taint without effect', node({ taints: [{ key: 'k' }] }), ['metadata.taints[0].effect: Required value']],
    [
      'an unknown taint effect',
      node({ taints: [{ key: 'k', effect: 'Evict' }] }),
      ['metadata.taints[0].effect: Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ],
    [
      'duplicate taints',
      node({ taints: [{ key: 'k', value: 'a', effect: 'NoSchedule' }, { key: 'k', value: 'b', effect: 'NoSchedule' }] }),
      ['metadata.taints[1]: Duplicate value: core.Taint{Key:"k", Value:"b", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair'],
    ],
    ['a fractional pod capacity', node({}, { capacity: { pods: '1500m' } }), ['status.capacity.pods: Invalid value: 1500m: must be an integer', 'status.allocatable.pods: Invalid value: 1500m: must be an integer']],
    ['a negative capacity', node({}, { capacity: { cpu: '-1' } }), ['status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0', 'status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0']],
  ];
  for (const [name, obj, expected] of cases) t.same(brief(create(obj)), expected, name);
});

t.test('spec updates keep status; podCIDRs and providerID are set once', async (t) => {
  const old = stored({ podCIDRs: ['10.244.1.0/24'], providerID: 'kubemock://node-1' }, { capacity: { cpu: '4' } });
  const next = clone(old) as any;
  next.spec.unschedulable = true;
  next.spec.taints = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }];
  next.status = {};
  nodeStrategy.prepareForUpdate!(next, old, ctx);
  nodeStrategy.applyDefaults!(next);
  t.same(next.status, old.status);
  t.same(nodeStrategy.validateUpdate!(next, old), []);
  const moved = clone(old) as any;
  moved.spec.podCIDRs = ['10.244.2.0/24'];
  moved.spec.providerID = 'other://x';
  t.same(brief(nodeStrategy.validateUpdate!(moved, old)), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
  ]);
});

t.test('status writes keep spec and check addresses', async (t) => {
  const old = stored({ unschedulable: true });
  const next = clone(old) as any;
  next.spec = {};
  next.status = {
    capacity: { cpu: '2' },
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'InternalIP', address: '10.0.0.1' }],
  };
  nodeStrategy.prepareForStatusUpdate!(next, old, ctx);
  t.same(next.spec, { unschedulable: true });
  t.same(next.status.allocatable, { cpu: '2' });
  t.same(brief(nodeStrategy.validateStatusUpdate!(next, old)), ['status.addresses[1]: Duplicate value: core.NodeAddress{Type:"InternalIP", Address:"10.0.0.1"}']);
});
