import { readFileSync } from 'node:fs';
import t from 'tap';
import { decodeKubernetesProtobuf } from '../../server/protobuf.js';

// The .pb fixtures are request bodies captured from kubectl 1.32/1.33 against a logging server; each
// .json beside one is the body kubectl 1.31 sends as JSON for the same command (random name suffixes
// adjusted), which is the apiserver's JSON form of the same object.
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/protobuf/${name}`, import.meta.url));
const expected = (name: string): unknown => JSON.parse(fixture(`${name}.json`).toString('utf8'));

const captured: Array<[name: string, sentence: string]> = [
  ['create-namespace', 'kubectl 1.32/1.33 create namespace decodes to the Namespace JSON kubectl 1.31 sends'],
  ['debug-node', 'kubectl 1.33 debug node/... decodes to the node debugger Pod'],
  ['debug-node-1.32', 'kubectl 1.32 debug node/... decodes to the node debugger Pod'],
  [
    'debug-copy',
    'kubectl 1.33 debug --copy-to decodes a Pod with volumes, env, resources, affinity and security contexts',
  ],
  ['debug-copy-1.32', 'kubectl 1.32 debug --copy-to decodes the same Pod as 1.33 does'],
  ['drain-disable-eviction', 'kubectl drain --disable-eviction sends DeleteOptions that decode to an empty body'],
  ['drain-grace-period-0', 'kubectl drain --grace-period=0 keeps gracePeriodSeconds 0 in the DeleteOptions'],
];

for (const [name, sentence] of captured) {
  t.test(sentence, async (t) => {
    t.strictSame(decodeKubernetesProtobuf(fixture(`${name}.pb`)), expected(name));
  });
}

// A tiny encoder, written from the upstream .proto field numbers independently of the decoder's table.
const MAGIC = Buffer.from('k8s\0', 'latin1');

function varint(value: number | bigint): Buffer {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest !== 0n) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0n);
  return Buffer.from(out);
}

const key = (field: number, wireType: number): Buffer => varint((field << 3) | wireType);
const int = (field: number, value: number | bigint | boolean): Buffer =>
  Buffer.concat([key(field, 0), varint(typeof value === 'boolean' ? Number(value) : value)]);
const len = (field: number, ...parts: Array<Buffer | string>): Buffer => {
  const payload = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  return Buffer.concat([key(field, 2), varint(payload.length), payload]);
};
const entry = (field: number, k: string, v: Buffer | string): Buffer => len(field, len(1, k), len(2, v));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([MAGIC, len(1, len(1, apiVersion), len(2, kind)), len(2, raw), len(3), len(4)]);

const NOV_14_2023 = 1_700_000_000;

t.test('a typed-client Pod decodes full ObjectMeta, probes, ephemeral containers and pointer zeros', async (t) => {
  const metadata = len(
    1,
    len(1, 'web-1'),
    len(2, 'web-'),
    len(3, 'prod'),
    len(4),
    len(5, '1234'),
    len(6, '42'),
    int(7, 3),
    len(8, int(1, NOV_14_2023), int(2, 0)),
    len(9, int(1, NOV_14_2023 + 300), int(2, 5)),
    int(10, 0),
    entry(11, 'app', 'web'),
    entry(12, 'empty', ''),
    len(13, len(5, 'apps/v1'), len(1, 'ReplicaSet'), len(3, 'web'), len(4, 'rs-1'), int(6, true), int(7, false)),
    len(14, 'example.com/f'),
    len(
      17,
      len(1, 'kubectl'),
      len(2, 'Update'),
      len(3, 'v1'),
      len(4, int(1, NOV_14_2023)),
      len(6, 'FieldsV1'),
      len(7, len(1, '{"f:metadata":{"f:labels":{}}}')),
      len(8),
    ),
  );
  const container = len(
    2,
    len(1, 'app'),
    len(2, 'img'),
    len(5),
    len(8),
    len(
      10,
      len(1, len(2, len(1, '/hz'), len(2, int(1, 0), int(2, 8080), len(3)), len(4, 'HTTP'))),
      int(2, 3),
      int(3, 0),
    ),
    len(11, len(1, len(3, len(1, int(1, 1), int(2, 0), len(3, 'http'))))),
    len(22, len(1, len(4, int(1, 9090), len(2)))),
    len(15, int(4, 0)),
    int(16, false),
  );
  const ephemeral = len(34, len(1, len(1, 'debugger'), len(2, 'busybox'), int(16, true), int(18, true)), len(2, 'app'));
  const podSecurityContext = len(14, len(4, varint(1000), varint(2000)));
  const unknownFields = Buffer.concat([
    int(99, 7),
    key(98, 1),
    Buffer.alloc(8),
    key(97, 5),
    Buffer.alloc(4),
    len(96, 'ignored'),
  ]);
  const spec = len(2, container, ephemeral, podSecurityContext, int(25, -5), unknownFields);
  const body = envelope('v1', 'Pod', Buffer.concat([metadata, spec, len(3)]));

  t.strictSame(decodeKubernetesProtobuf(body), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      generateName: 'web-',
      namespace: 'prod',
      uid: '1234',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2023-11-14T22:13:20Z',
      deletionTimestamp: '2023-11-14T22:18:20Z',
      deletionGracePeriodSeconds: 0,
      labels: { app: 'web' },
      annotations: { empty: '' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: 'rs-1',
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
      finalizers: ['example.com/f'],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2023-11-14T22:13:20Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': {} } },
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'img',
          resources: {},
          livenessProbe: { httpGet: { path: '/hz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 3 },
          readinessProbe: { tcpSocket: { port: 'http' } },
          startupProbe: { grpc: { port: 9090, service: '' } },
          securityContext: { runAsUser: 0 },
        },
      ],
      ephemeralContainers: [
        { name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'app' },
      ],
      securityContext: { supplementalGroups: [1000, 2000] },
      priority: -5,
    },
    status: {},
  });
});

t.test('an Eviction decodes its DeleteOptions with preconditions, policy and dry run', async (t) => {
  const body = envelope(
    'policy/v1',
    'Eviction',
    Buffer.concat([
      len(1, len(1, 'p1'), len(3, 'default'), len(8)),
      len(2, int(1, 30), len(2, len(1, 'uid-1')), len(4, 'Foreground'), len(5, 'All')),
    ]),
  );
  t.strictSame(decodeKubernetesProtobuf(body), {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: 'p1', namespace: 'default', creationTimestamp: null },
    deleteOptions: {
      gracePeriodSeconds: 30,
      preconditions: { uid: 'uid-1' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    },
  });
});

t.test('DeleteOptions decode whatever group version a typed delete tags them with', async (t) => {
  const body = envelope('apps/v1', 'DeleteOptions', Buffer.concat([len(4, 'Orphan'), int(3, false)]));
  t.strictSame(decodeKubernetesProtobuf(body), {
    apiVersion: 'apps/v1',
    kind: 'DeleteOptions',
    propagationPolicy: 'Orphan',
    orphanDependents: false,
  });
});

t.test('a Binding decodes its target reference', async (t) => {
  const target = len(2, len(1, 'Node'), len(3, 'node-1'), len(5, 'v1'));
  const body = envelope('v1', 'Binding', Buffer.concat([len(1, len(1, 'p1')), target]));
  t.strictSame(decodeKubernetesProtobuf(body), {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'p1' },
    target: { kind: 'Node', name: 'node-1', apiVersion: 'v1' },
  });
});

t.test('an Event decodes MicroTime with microseconds and zero Time as null', async (t) => {
  const body = envelope(
    'v1',
    'Event',
    Buffer.concat([
      len(1, len(1, 'e1'), len(3, 'default')),
      len(2, len(1, 'Pod'), len(3, 'p1')),
      len(3, 'Started'),
      len(6),
      int(8, 0),
      len(9, 'Normal'),
      len(10, int(1, NOV_14_2023), int(2, 123_456_789)),
      len(11, int(1, 2), len(2, int(1, NOV_14_2023), int(2, 0))),
      len(14),
      len(15, 'kubelet-1'),
    ]),
  );
  t.strictSame(decodeKubernetesProtobuf(body), {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p1' },
    reason: 'Started',
    firstTimestamp: null,
    type: 'Normal',
    eventTime: '2023-11-14T22:13:20.123456Z',
    series: { count: 2, lastObservedTime: '2023-11-14T22:13:20.000000Z' },
    reportingComponent: '',
    reportingInstance: 'kubelet-1',
  });
});

const namespaceRaw = fixture('create-namespace.pb').subarray(4);

const malformed: Array<[sentence: string, body: Buffer, message: RegExp]> = [
  ['a body without the k8s magic bytes is rejected', Buffer.from('{"kind":"Namespace"}'), /magic bytes/],
  ['an empty body is rejected', Buffer.alloc(0), /magic bytes/],
  ['a truncated varint is rejected', Buffer.concat([MAGIC, Buffer.from([0x80])]), /truncated varint at byte 4/],
  [
    'a truncated varint inside the object is rejected with its path',
    envelope('v1', 'Namespace', Buffer.concat([len(1, Buffer.from([0x38, 0xff]))])),
    /truncated varint .*in Namespace\.metadata\)/,
  ],
  [
    'a varint longer than ten bytes is rejected',
    Buffer.concat([MAGIC, Buffer.alloc(11, 0xff)]),
    /longer than 10 bytes/,
  ],
  [
    'a field with the wrong wire type is rejected',
    Buffer.concat([MAGIC, int(1, 1)]),
    /Unknown\.typeMeta has wire type 0 \(varint\) where 2 \(length-delimited\) is required/,
  ],
  [
    'a nested field with the wrong wire type is rejected',
    envelope('v1', 'Namespace', len(1, int(1, 5))),
    /Namespace\.metadata\.name has wire type 0/,
  ],
  [
    'a length running past the end of the body is rejected',
    Buffer.concat([MAGIC, namespaceRaw.subarray(0, 20)]),
    /length 27 runs past the end of its message \(1 left\)/,
  ],
  [
    'a length running past the end of its parent message is rejected',
    envelope('v1', 'Namespace', Buffer.from([0x0a, 0x05, 0x0a, 0x09, 0x66, 0x6f, 0x6f])),
    /length 9 runs past the end of its message \(3 left\)/,
  ],
  ['field number 0 is rejected', Buffer.concat([MAGIC, Buffer.from([0x02, 0x00])]), /invalid field number 0/],
  ['the group wire types are rejected', Buffer.concat([MAGIC, key(7, 3)]), /unsupported wire type 3/],
  [
    'an envelope without apiVersion and kind is rejected',
    Buffer.concat([MAGIC, len(2)]),
    /does not name an apiVersion and kind/,
  ],
  [
    'a kind without a descriptor table is rejected',
    envelope('apps/v1', 'DaemonSet', Buffer.alloc(0)),
    /apps\/v1 DaemonSet is not supported/,
  ],
  [
    'an encoded raw payload is rejected',
    Buffer.concat([MAGIC, len(1, len(1, 'v1'), len(2, 'Namespace')), len(2), len(3, 'gzip')]),
    /content encoding "gzip"/,
  ],
  [
    'managedFields whose fieldsV1 is not JSON are rejected',
    envelope('v1', 'Namespace', len(1, len(17, len(7, len(1, Buffer.from([0x0a, 0x00])))))),
    /Namespace\.metadata\.managedFields\[0\]\.fieldsV1 does not hold JSON/,
  ],
  [
    'an integer beyond exact JSON numbers is rejected',
    envelope('v1', 'Namespace', len(1, int(7, 2n ** 60n))),
    /Namespace\.metadata\.generation = 1152921504606846976 is outside the range/,
  ],
];

for (const [sentence, body, message] of malformed) {
  t.test(sentence, async (t) => {
    t.throws(() => decodeKubernetesProtobuf(body), { name: 'Error', message });
  });
}
