import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { daemonSetStrategy, TEMPLATE_GENERATION_ANNOTATION } from '../../../api/kinds/daemonset.js';
import { validateObjectMetaCreate } from '../../../api/validation.js';
import type { FieldError } from '../../../api/field-errors.js';
import { clone, deepFreeze, type KubeObject } from '../../../store/object.js';

const ctx = { now: new Date('2024-05-01T10:00:00Z') };
const seed = parse(readFileSync(new URL('../../fixtures/monitoring-daemon.yaml', import.meta.url), 'utf8')) as KubeObject;

/** The seed manifest as kubectl sends it (namespace filled in), with overrides merged into spec. */
function manifest(mutate: (ds: any) => void = () => {}): KubeObject {
  const ds = clone(seed) as any;
  ds.metadata.namespace = 'default';
  mutate(ds);
  return ds;
}

/** What the registry does on create: defaults, prepare, metadata and strategy validation. */
function create(ds: KubeObject): FieldError[] {
  daemonSetStrategy.applyDefaults!(ds);
  daemonSetStrategy.prepareForCreate!(ds, ctx);
  return [...validateObjectMetaCreate(ds.metadata, { namespaced: true, strategy: daemonSetStrategy }), ...daemonSetStrategy.validate!(ds)];
}

/** A stored (created, frozen) DaemonSet. */
function stored(mutate?: (ds: any) => void): KubeObject {
  const ds = manifest(mutate);
  const errs = create(ds);
  if (errs.length) throw new Error(`invalid fixture: ${JSON.stringify(errs)}`);
  ds.metadata.uid = 'u1';
  ds.metadata.resourceVersion = '5';
  return deepFreeze(ds);
}

/** What the registry does on update. */
function update(old: KubeObject, next: KubeObject): FieldError[] {
  daemonSetStrategy.prepareForUpdate!(next, old, ctx);
  daemonSetStrategy.applyDefaults!(next);
  return daemonSetStrategy.validateUpdate!(next, old);
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

t.test('defaulting the seed manifest yields the spec a real cluster stores', async (t) => {
  const ds = manifest();
  t.same(create(ds), []);
  t.same(ds.spec, {
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'monitoring-agent' } },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'monitoring-agent' } },
      spec: {
        containers: [
          {
            image: 'monitoring-agent',
            imagePullPolicy: 'Always',
            name: 'monitoring-agent',
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
    updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
  });
});

t.test('create clears status, sets generation 1 and the template-generation annotation', async (t) => {
  const ds = manifest((d) => {
    d.status = { numberReady: 7 };
    d.metadata.generation = 9;
  });
  create(ds);
  t.same(ds.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  t.equal(ds.metadata.generation, 1);
  t.same(ds.metadata.annotations, { [TEMPLATE_GENERATION_ANNOTATION]: '1' });
});

t.test('a tagged image defaults to IfNotPresent and :latest to Always', async (t) => {
  const cases: Array<[string, string]> = [
    ['nginx:1.25', 'IfNotPresent'],
    ['nginx:latest', 'Always'],
    ['registry.example.com:5000/team/agent', 'Always'],
    ['registry.example.com:5000/team/agent:v2', 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
  ];
  for (const [image, policy] of cases) {
    const ds = manifest((d) => (d.spec.template.spec.containers[0].image = image));
    create(ds);
    t.equal((ds.spec as any).template.spec.containers[0].imagePullPolicy, policy, image);
  }
});

t.test('an OnDelete strategy gets no rollingUpdate', async (t) => {
  const ds = manifest((d) => (d.spec.updateStrategy = { type: 'OnDelete' }));
  t.same(create(ds), []);
  t.same((ds.spec as any).updateStrategy, { type: 'OnDelete' });
});

t.test('partial rolling update parameters are completed', async (t) => {
  const ds = manifest((d) => (d.spec.updateStrategy = { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } }));
  t.same(create(ds), []);
  t.same((ds.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
});

t.test('create validation follows upstream field paths and messages', async (t) => {
  const cases: Array<[string, (d: any) => void, string[]]> = [
    [
      'template labels not selected',
      (d) => (d.spec.template.metadata.labels = { app: 'other' }),
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'],
    ],
    [
      'no selector at all',
      (d) => delete d.spec.selector,
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"monitoring-agent"}: `selector` does not match template `labels`'],
    ],
    [
      'empty selector',
      (d) => (d.spec.selector = {}),
      ['spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for daemonset'],
    ],
    [
      'restartPolicy Never',
      (d) => (d.spec.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'activeDeadlineSeconds',
      (d) => (d.spec.template.spec.activeDeadlineSeconds = 30),
      ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported'],
    ],
    ['no containers', (d) => (d.spec.template.spec.containers = []), ['spec.template.spec.containers: Required value']],
    ['a container without image', (d) => delete d.spec.template.spec.containers[0].image, ['spec.template.spec.containers[0].image: Required value']],
    [
      'both rolling parameters zero',
      (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }),
      ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ],
    [
      'both rolling parameters non-zero',
      (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } }),
      ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 10%: may not be set when maxUnavailable is non-zero'],
    ],
    [
      'a percentage above 100%',
      (d) => (d.spec.updateStrategy = { rollingUpdate: { maxUnavailable: '110%' } }),
      ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 110%: must not be greater than 100%'],
    ],
    [
      'a negative maxUnavailable',
      (d) => (d.spec.updateStrategy = { rollingUpdate: { maxUnavailable: -1, maxSurge: 1 } }),
      [
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
      ],
    ],
    [
      'a malformed percentage',
      (d) => (d.spec.updateStrategy = { rollingUpdate: { maxUnavailable: 'half' } }),
      [
        "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: half: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
      ],
    ],
    [
      'an unknown strategy type',
      (d) => (d.spec.updateStrategy = { type: 'Sideways' }),
      ['spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sideways", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"'],
    ],
    ['a negative minReadySeconds', (d) => (d.spec.minReadySeconds = -1), ['spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0']],
    ['a negative revisionHistoryLimit', (d) => (d.spec.revisionHistoryLimit = -2), ['spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0']],
    ['a zero revisionHistoryLimit', (d) => (d.spec.revisionHistoryLimit = 0), []],
    [
      'a name that is no DNS subdomain',
      (d) => (d.metadata.name = 'Monitoring'),
      [
        "metadata.name: Invalid value: \"Monitoring\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    [
      'a selector expression with a bad operator',
      (d) => (d.spec.selector = { matchLabels: { app: 'monitoring-agent' }, matchExpressions: [{ key: 'tier', operator: 'Maybe' }] }),
      ['spec.selector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator'],
    ],
    [
      'an invalid template label key, reported at upstream\'s spec.template.labels',
      (d) => {
        d.spec.template.metadata.labels['bad key'] = 'x';
      },
      [
        "spec.template.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
  ];
  for (const [name, mutate, expected] of cases) t.same(brief(create(manifest(mutate))), expected, name);
});

t.test('a metadata-only change bumps neither generation', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.metadata.labels = { team: 'obs' };
  t.same(update(old, next), []);
  t.equal(next.metadata.generation, 1);
  t.equal(next.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
});

t.test('re-sending the undefaulted manifest changes nothing', async (t) => {
  const old = stored();
  const next = manifest();
  t.same(update(old, next), []);
  t.equal(next.metadata.generation, 1);
  t.same(next.spec, old.spec);
  t.same(next.status, old.status);
  t.equal(next.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], '1');
});

t.test('a template change bumps generation and template generation', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.template.spec.containers[0].image = 'monitoring-agent:v2';
  t.same(update(old, next), []);
  t.equal(next.metadata.generation, 2);
  t.equal(next.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '2');
  t.equal(next.spec.template.spec.containers[0].imagePullPolicy, 'Always', 'the stored default is kept on update');
});

t.test('a non-template spec change bumps only generation', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.minReadySeconds = 5;
  t.same(update(old, next), []);
  t.equal(next.metadata.generation, 2);
  t.equal(next.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
});

t.test('an update cannot set status or the template generation', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.status = { numberReady: 3 };
  next.metadata.annotations = { [TEMPLATE_GENERATION_ANNOTATION]: '9' };
  t.same(update(old, next), []);
  t.same(next.status, old.status);
  t.equal(next.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
});

t.test('the selector is immutable', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.selector = { matchLabels: { app: 'monitoring-agent', tier: 'node' } };
  next.spec.template.metadata.labels.tier = 'node';
  t.same(brief(update(old, next)), [
    'spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{app: monitoring-agent,tier: node,},MatchExpressions:[]LabelSelectorRequirement{},}: field is immutable',
  ]);
});

t.test('a status write keeps everything but status', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.minReadySeconds = 99;
  next.metadata.labels = { sneaky: 'yes' };
  next.status = { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 1, observedGeneration: 1 };
  daemonSetStrategy.prepareForStatusUpdate!(next, old, ctx);
  t.same(next.spec, old.spec);
  t.equal(next.metadata.labels, undefined);
  t.equal(next.status.numberReady, 1);
  t.same(daemonSetStrategy.validateStatusUpdate!(next, old), []);
});

t.test('status counters must be non-negative and collisionCount may not decrease', async (t) => {
  const old = stored();
  const withCollisions = deepFreeze({ ...clone(old), status: { ...(clone(old.status) as object), collisionCount: 2 } }) as KubeObject;
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a negative counter', { numberReady: -1, collisionCount: 2 }, ['status.numberReady: Invalid value: -1: must be greater than or equal to 0']],
    ['a decreased collisionCount', { collisionCount: 1 }, ['status.collisionCount: Invalid value: 1: cannot be decremented']],
    ['a dropped collisionCount', {}, ['status.collisionCount: Invalid value: 0: cannot be decremented']],
    ['an increased collisionCount', { collisionCount: 3 }, []],
  ];
  for (const [name, status, expected] of cases) {
    const next = clone(withCollisions);
    next.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, ...status };
    t.same(brief(daemonSetStrategy.validateStatusUpdate!(next, withCollisions)), expected, name);
  }
});

t.test('hooks never mutate the frozen old object', async (t) => {
  const old = stored();
  const next = clone(old) as any;
  next.spec.template.spec.containers[0].image = 'x:1';
  t.doesNotThrow(() => update(old, next));
  t.doesNotThrow(() => daemonSetStrategy.prepareForStatusUpdate!(clone(old), old, ctx));
});
