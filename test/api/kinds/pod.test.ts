import t from 'tap';
import { addDefaultTolerationSeconds, computePodQOS, imageTag, podStrategy } from '../../../api/kinds/pod.js';
import { validateObjectMetaCreate } from '../../../api/validation.js';
import type { FieldError } from '../../../api/field-errors.js';
import { clone, deepFreeze, type KubeObject } from '../../../store/object.js';

const ctx = { now: new Date('2024-05-01T10:00:00Z') };

function pod(spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'web', image: 'nginx', ...container }], ...spec },
  };
}

function create(obj: KubeObject): FieldError[] {
  podStrategy.applyDefaults!(obj);
  podStrategy.prepareForCreate!(obj, ctx);
  return [...validateObjectMetaCreate(obj.metadata, { namespaced: true, strategy: podStrategy }), ...podStrategy.validate!(obj)];
}

function stored(spec?: Record<string, unknown>, container?: Record<string, unknown>): KubeObject {
  const obj = pod(spec, container);
  const errs = create(obj);
  if (errs.length) throw new Error(`invalid fixture: ${JSON.stringify(errs)}`);
  obj.metadata.uid = 'u1';
  obj.metadata.resourceVersion = '3';
  return deepFreeze(obj);
}

function update(old: KubeObject, next: KubeObject): FieldError[] {
  podStrategy.prepareForUpdate!(next, old, ctx);
  podStrategy.applyDefaults!(next);
  return podStrategy.validateUpdate!(next, old);
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

t.test('a bare pod gets the defaults a real cluster stores', async (t) => {
  const obj = pod();
  t.same(create(obj), []);
  t.same(obj.spec, {
    containers: [
      { name: 'web', image: 'nginx', imagePullPolicy: 'Always', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
    ],
    dnsPolicy: 'ClusterFirst',
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    // The DefaultTolerationSeconds admission plugin's.
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
  });
  t.same(obj.status, { phase: 'Pending', qosClass: 'BestEffort' });
  t.equal(obj.metadata.generation, undefined, 'pods get no generation');
});

t.test('nested fields get their generated defaults', async (t) => {
  const obj = pod(
    {
      volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'cfg' } }],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
    {
      ports: [{ containerPort: 80 }],
      env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
      livenessProbe: { httpGet: { port: 80 } },
      volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
      resources: { limits: { cpu: '0.5', memory: '1024Mi' } },
    },
  );
  t.same(create(obj), []);
  const spec = obj.spec as any;
  const c = spec.containers[0];
  t.same(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  t.same(c.env[0].valueFrom.fieldRef, { apiVersion: 'v1', fieldPath: 'spec.nodeName' });
  t.same(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  t.same(c.resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }, 'canonical quantities; requests default to limits');
  t.same(spec.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
  ]);
  t.same(obj.status, { phase: 'Pending', qosClass: 'Guaranteed' });
});

t.test('image pull policy follows the tag', async (t) => {
  const cases: Array<[string, string]> = [
    ['nginx', 'latest'],
    ['nginx:latest', 'latest'],
    ['nginx:1.25', '1.25'],
    ['localhost:5000/nginx', 'latest'],
    ['localhost:5000/nginx:v1', 'v1'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', ''],
    ['Nginx', ''],
  ];
  for (const [image, tag] of cases) t.equal(imageTag(image), tag, image);
});

t.test('QoS class is computed from requests and limits', async (t) => {
  const res = (requests?: object, limits?: object) => ({ containers: [{ name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }] });
  const cases: Array<[string, object, string]> = [
    ['no resources', res(), 'BestEffort'],
    ['requests only', res({ cpu: '100m' }), 'Burstable'],
    ['equal cpu and memory', res({ cpu: '1', memory: '1Gi' }, { cpu: '1000m', memory: '1024Mi' }), 'Guaranteed'],
    ['limits on cpu only', res({ cpu: '1' }, { cpu: '1' }), 'Burstable'],
    ['requests below limits', res({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), 'Burstable'],
    ['only zero requests', res({ cpu: '0' }), 'BestEffort'],
  ];
  for (const [name, spec, qos] of cases) t.equal(computePodQOS(spec as any), qos, name);
});

t.test('a client cannot create a pod with a status', async (t) => {
  const obj = pod();
  obj.status = { phase: 'Running', podIP: '10.0.0.1' };
  create(obj);
  t.same(obj.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

t.test('create validation of pods', async (t) => {
  const cases: Array<[string, KubeObject, string[]]> = [
    ['no containers', pod({ containers: [] }), ['spec.containers: Required value']],
    ['no image', pod({}, { image: '' }), ['spec.containers[0].image: Required value']],
    ['an image padded with spaces', pod({}, { image: ' nginx' }), ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace']],
    ['ephemeral containers on create', pod({ ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] }), ['spec.ephemeralContainers: Forbidden: cannot be set on create']],
    [
      'a name that is no DNS subdomain',
      { ...pod(), metadata: { name: 'Web', namespace: 'default' } },
      [
        "metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    ['a negative grace period is accepted, as upstream does', pod({ terminationGracePeriodSeconds: -5 }), []],
  ];
  for (const [name, obj, expected] of cases) t.same(brief(create(obj)), expected, name);
});

const FORBIDDEN_PREFIX =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n';

t.test('an image change is allowed on update', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.containers[0].image = 'nginx:1.26';
  t.same(update(old, next), []);
});

t.test('adding a toleration is allowed, changing one is not', async (t) => {
  const old = stored({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }] });
  const added = clone(old) as any;
  added.spec.tolerations.push({ key: 'b', operator: 'Exists' });
  t.same(update(old, added), []);
  const changed = clone(old) as any;
  changed.spec.tolerations[0].effect = 'NoExecute';
  t.same(brief(update(old, changed)).slice(0, 1), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
});

t.test('other spec changes are forbidden with upstream\'s message', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.restartPolicy = 'Never';
  const errs = update(old, next);
  t.equal(errs.length, 1);
  t.equal(errs[0]!.field, 'spec');
  t.equal(errs[0]!.type, 'FieldValueForbidden');
  t.ok(errs[0]!.message.startsWith(FORBIDDEN_PREFIX), errs[0]!.message);
  t.match(errs[0]!.message, /- \tRestartPolicy: "Always",\n\+ \tRestartPolicy: "Never",/);
});

t.test('adding or removing containers is forbidden', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.containers.push({ name: 'side', image: 'busybox' });
  t.same(brief(update(old, next)), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
});

t.test('activeDeadlineSeconds may only shrink', async (t) => {
  const old = stored({ activeDeadlineSeconds: 100 });
  const longer = clone(old) as any;
  longer.spec.activeDeadlineSeconds = 200;
  t.same(brief(update(old, longer)), ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
  const removed = clone(old) as any;
  delete removed.spec.activeDeadlineSeconds;
  t.same(brief(update(old, removed)), ['spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value']);
});

t.test('an update keeps the old status', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.status = { phase: 'Failed' };
  update(old, next);
  t.same(next.status, old.status);
});

t.test('a status write keeps spec and owners, and backfills QoS', async (t) => {
  const old = stored({ nodeName: 'node-1' });
  const next = clone(old) as any;
  next.spec.nodeName = 'node-2';
  next.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: 'x', uid: 'y' }];
  next.status = { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] };
  podStrategy.prepareForStatusUpdate!(next, old, ctx);
  t.equal(next.spec.nodeName, 'node-1');
  t.equal(next.metadata.ownerReferences, undefined);
  t.equal(next.status.qosClass, 'BestEffort');
  t.same(podStrategy.validateStatusUpdate!(next, old), []);
});

t.test('status validation checks condition types and IPs', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'bad type', status: 'True' }], podIPs: [{ ip: 'nope' }] };
  t.same(brief(podStrategy.validateStatusUpdate!(next, old)), [
    "metadata.conditions[1].Type: Invalid value: \"bad type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    'status.podIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
});

t.test('graceful deletion follows CheckGracefulDelete', async (t) => {
  const scheduled = (phase = 'Running', grace = 30) => ({ ...pod(), spec: { nodeName: 'n', terminationGracePeriodSeconds: grace }, status: { phase } });
  const g = podStrategy.checkGracefulDelete!;
  t.equal(g(scheduled(), undefined), 30, 'the pod\'s grace period');
  t.equal(g(scheduled(), 5), 5, 'the requested grace period');
  t.equal(g(pod(), undefined), 0, 'an unscheduled pod goes at once');
  t.equal(g(scheduled('Succeeded'), undefined), 0, 'a finished pod goes at once');
  t.equal(g(scheduled('Running', -3), undefined), 1, 'a negative period becomes 1');
});

t.test('DefaultTolerationSeconds adds not-ready and unreachable tolerations only where none covers them', async (t) => {
  const cases: Array<[string, Array<Record<string, unknown>>, string[]]> = [
    ['none', [], ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']],
    ['a NoExecute toleration for not-ready', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }], ['node.kubernetes.io/unreachable']],
    ['an effect-less toleration for unreachable', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], ['node.kubernetes.io/not-ready']],
    ['a NoSchedule toleration does not count', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }], ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']],
    ['tolerate everything', [{ operator: 'Exists' }], []],
  ];
  for (const [name, tolerations, added] of cases) {
    const spec = { containers: [], tolerations: structuredClone(tolerations) };
    addDefaultTolerationSeconds(spec as never);
    const extra = (spec.tolerations as Array<{ key: string; tolerationSeconds?: number }>).slice(tolerations.length);
    t.same(extra.map((x) => x.key), added, name);
    t.ok(extra.every((x) => x.tolerationSeconds === 300), `${name}: 300 s`);
  }
});
