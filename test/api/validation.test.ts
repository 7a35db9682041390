import t from 'tap';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../api/field-errors.js';
import {
  canonicalQuantity,
  compareQuantities,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorPredicate,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  parseQuantity,
  validateAnnotations,
  validateLabels,
  validateLabelSelector,
  validateObjectMetaCreate,
  validateObjectMetaUpdate,
  validatePodSpec,
  validatePodTemplateSpec,
  validateResourceRequirements,
} from '../../api/validation.js';

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

t.test('DNS-1123 labels allow 63 lowercase characters and no dots', async (t) => {
  t.same(isDNS1123Label('web-1'), []);
  t.same(isDNS1123Label('a'.repeat(63)), []);
  t.same(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  t.same(isDNS1123Label('a.b'), ['must not contain dots']);
  t.same(isDNS1123Label('Web'), [LABEL_MSG]);
  t.same(isDNS1123Label('-web'), [LABEL_MSG]);
});

t.test('DNS-1123 subdomains allow 253 characters with dots', async (t) => {
  t.same(isDNS1123Subdomain('node-1.example.com'), []);
  t.same(isDNS1123Subdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`), []);
  t.same(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
  t.same(isDNS1123Subdomain('under_score'), [SUBDOMAIN_MSG]);
});

t.test('a generateName may end with a dash', async (t) => {
  t.same(nameIsDNSSubdomain('web-', true), []);
  t.same(nameIsDNSLabel('web-', true), []);
  t.same(nameIsDNSSubdomain('web-', false), [SUBDOMAIN_MSG]);
});

t.test('qualified names take an optional DNS subdomain prefix', async (t) => {
  t.same(isQualifiedName('app'), []);
  t.same(isQualifiedName('app.kubernetes.io/name'), []);
  t.same(isQualifiedName('/name'), ['prefix part must be non-empty']);
  t.same(isQualifiedName('Example.com/name'), [`prefix part ${SUBDOMAIN_MSG}`]);
  t.same(isQualifiedName('bad key'), [NAME_PART_MSG]);
  t.same(isQualifiedName(`${'a'.repeat(64)}`), ['name part must be no more than 63 characters']);
  t.same(isQualifiedName(''), ['name part must be non-empty', NAME_PART_MSG]);
  t.same(isQualifiedName('a/b/c'), [
    "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  ]);
});

t.test('label values are empty or qualified-name shaped, at most 63 characters', async (t) => {
  t.same(isValidLabelValue(''), []);
  t.same(isValidLabelValue('v1.2_x'), []);
  t.same(isValidLabelValue('a b'), [LABEL_VALUE_MSG]);
  t.same(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
});

t.test('a frozen label map found valid is not checked again; an invalid one is reported each time, on its own path', async (t) => {
  const valid = Object.freeze({ app: 'agent' });
  t.same(validateLabels(valid, 'metadata.labels'), []);
  t.same(validateLabels(valid, 'spec.template.metadata.labels'), []);
  const invalid = Object.freeze({ 'a b': 'x' });
  t.same(brief(validateLabels(invalid, 'metadata.labels')), [`metadata.labels: Invalid value: "a b": ${NAME_PART_MSG}`]);
  t.same(brief(validateLabels(invalid, 'spec.template.metadata.labels')), [`spec.template.metadata.labels: Invalid value: "a b": ${NAME_PART_MSG}`]);
  // A map that can still change is checked every time.
  const open: Record<string, string> = { app: 'agent' };
  t.same(validateLabels(open, 'metadata.labels'), []);
  open['a b'] = 'x';
  t.same(brief(validateLabels(open, 'metadata.labels')), [`metadata.labels: Invalid value: "a b": ${NAME_PART_MSG}`]);
});

t.test('annotations may total 256 KiB', async (t) => {
  t.same(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, 'metadata.annotations'), []);
  t.same(brief(validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations')), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  t.same(brief(validateAnnotations({ 'Bad Key': '' }, 'metadata.annotations')), [`metadata.annotations: Invalid value: "Bad Key": ${NAME_PART_MSG}`]);
});

t.test('object metadata on create follows ValidateObjectMeta', async (t) => {
  const ns = { namespaced: true };
  const cluster = { namespaced: false, nameRule: 'label' as const };
  const cases: Array<[string, Parameters<typeof validateObjectMetaCreate>[0], typeof ns | typeof cluster, string[]]> = [
    ['a valid namespaced object', { name: 'web', namespace: 'default' }, ns, []],
    ['no name and no generateName', { namespace: 'default' }, ns, ['metadata.name: Required value: name or generateName is required']],
    ['a generateName alone', { generateName: 'web-', namespace: 'default' }, ns, []],
    ['a bad generateName', { generateName: 'Web-', namespace: 'default' }, ns, [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`]],
    ['a missing namespace', { name: 'web' }, ns, ['metadata.namespace: Required value']],
    ['a bad namespace', { name: 'web', namespace: 'a.b' }, ns, ['metadata.namespace: Invalid value: "a.b": must not contain dots']],
    ['a namespace on a cluster-scoped kind', { name: 'web', namespace: 'default' }, cluster, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['a label rule name with dots', { name: 'a.b' }, cluster, ['metadata.name: Invalid value: "a.b": must not contain dots']],
    ['a negative generation', { name: 'web', namespace: 'default', generation: -1 }, ns, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    ['a bad label value', { name: 'web', namespace: 'default', labels: { app: 'a b' } }, ns, [`metadata.labels: Invalid value: "a b": ${LABEL_VALUE_MSG}`]],
    [
      'an owner reference without uid and version',
      { name: 'web', namespace: 'default', ownerReferences: [{ apiVersion: '', kind: 'DaemonSet', name: 'ds', uid: '' }] },
      ns,
      ['metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty', 'metadata.ownerReferences.uid: Invalid value: "": must not be empty'],
    ],
    [
      'an unqualified non-standard finalizer',
      { name: 'web', namespace: 'default', finalizers: ['kubernetes', 'custom'] },
      ns,
      ['metadata.finalizers[1]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified'],
    ],
    [
      'orphan and foregroundDeletion together',
      { name: 'web', namespace: 'default', finalizers: ['orphan', 'foregroundDeletion'] },
      ns,
      ['metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set'],
    ],
  ];
  for (const [name, meta, rules, expected] of cases) t.same(brief(validateObjectMetaCreate(meta, rules)), expected, name);
});

t.test('a strategy that declares a name rule is honoured', async (t) => {
  t.same(brief(validateObjectMetaCreate({ name: 'a.b' }, { namespaced: false, strategy: { nameRule: 'label' } })), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  t.same(validateObjectMetaCreate({ name: 'a.b' }, { namespaced: false, strategy: {} }), []);
  t.same(brief(validateObjectMetaCreate({ name: 'a/b', namespace: 'x' }, { namespaced: true, nameRule: 'path-segment' })), ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]);
});

t.test('identity fields are immutable on update', async (t) => {
  const old = { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2024-05-01T10:00:00Z', generation: 3 };
  t.same(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old), []);
  t.same(brief(validateObjectMetaUpdate({ ...old, name: 'other' }, old)), ['metadata.name: Invalid value: "other": field is immutable']);
  t.same(brief(validateObjectMetaUpdate({ ...old, namespace: 'kube-system' }, old)), ['metadata.namespace: Invalid value: "kube-system": field is immutable']);
  t.same(brief(validateObjectMetaUpdate({ ...old, uid: 'u2' }, old)), ['metadata.uid: Invalid value: "u2": field is immutable']);
  t.same(brief(validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-06-01T00:00:00Z' }, old)), [
    'metadata.creationTimestamp: Invalid value: 2024-06-01 00:00:00 +0000 UTC: field is immutable',
  ]);
  t.same(brief(validateObjectMetaUpdate({ ...old, generation: 2 }, old)), ['metadata.generation: Invalid value: 2: must not be decremented']);
});

t.test('label selectors are validated like metav1.ValidateLabelSelector', async (t) => {
  const cases: Array<[string, Parameters<typeof validateLabelSelector>[0], string[]]> = [
    ['a valid selector', { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, []],
    ['In without values', { matchExpressions: [{ key: 'tier', operator: 'In' }] }, ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] },
      ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
    ],
    ['an unknown operator', { matchExpressions: [{ key: 'tier', operator: 'Like' }] }, ['spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator']],
    ['a bad value', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a b'] }] }, [`spec.selector.matchExpressions[0].values[0]: Invalid value: "a b": ${LABEL_VALUE_MSG}`]],
  ];
  for (const [name, sel, expected] of cases) t.same(brief(validateLabelSelector(sel, 'spec.selector')), expected, name);
});

t.test('label selectors match like LabelSelectorAsSelector', async (t) => {
  t.equal(labelSelectorPredicate(undefined)!({ a: 'b' }), false, 'nil matches nothing');
  t.equal(labelSelectorPredicate({})!({}), true, 'empty matches everything');
  const sel = labelSelectorPredicate({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'canary', operator: 'DoesNotExist' },
    ],
  })!;
  t.equal(sel({ app: 'web' }), true);
  t.equal(sel({ app: 'web', tier: 'db' }), false);
  t.equal(sel({ app: 'web', canary: '' }), false);
  t.equal(sel({ app: 'api' }), false);
  t.equal(labelSelectorPredicate({ matchExpressions: [{ key: 'x', operator: 'In', values: [] }] }), undefined, 'an invalid selector has no predicate');
});

t.test('quantities parse into base units', async (t) => {
  const cases: Array<[string, number | undefined]> = [
    ['100m', 0.1],
    ['1', 1],
    ['1.5', 1.5],
    ['2k', 2000],
    ['1Ki', 1024],
    ['128Mi', 128 * 2 ** 20],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1Gi', 2 ** 30],
    ['1T', 1e12],
    ['1Ti', 2 ** 40],
    ['1P', 1e15],
    ['1Pi', 2 ** 50],
    ['1E', 1e18],
    ['1Ei', 2 ** 60],
    ['1e3', 1000],
    ['1E3', 1000],
    ['5e-3', 0.005],
    ['-2', -2],
    ['+7', 7],
    ['abc', undefined],
    ['1Zi', undefined],
    ['', undefined],
    ['1.5.5', undefined],
  ];
  for (const [s, expected] of cases) t.equal(parseQuantity(s), expected, s);
});

t.test('quantities canonicalize as the apiserver stores them', async (t) => {
  const cases: Array<[string, string]> = [
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1500', '1500'],
    ['100000', '100k'],
    ['1024Mi', '1Gi'],
    ['1000Mi', '1000Mi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['1e3', '1e3'],
    ['0', '0'],
    ['0Mi', '0'],
    ['0.1', '100m'],
  ];
  for (const [s, expected] of cases) t.equal(canonicalQuantity(s), expected, s);
  t.equal(canonicalQuantity('100u', -3), '1m', 'resource lists round up to milli');
  t.equal(compareQuantities('1Gi', '1024Mi'), 0);
  t.equal(compareQuantities('500m', '1'), -1);
});

t.test('resource requirements: well-formed, requests within limits', async (t) => {
  const path = 'spec.containers[0].resources';
  const cases: Array<[string, Parameters<typeof validateResourceRequirements>[0], string[]]> = [
    ['a valid pair', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } }, []],
    [
      'a request above its limit',
      { requests: { cpu: '2' }, limits: { cpu: '1' } },
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      'a malformed quantity',
      { limits: { memory: 'lots' } },
      ["spec.containers[0].resources.limits[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ],
    ['a negative quantity', { requests: { cpu: '-1' } }, ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0']],
    [
      'an unknown unprefixed resource',
      { limits: { gpu: '1' } },
      [
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      'an extended resource request without a limit',
      { requests: { 'example.com/gpu': '1' } },
      ['spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources'],
    ],
    [
      'a fractional extended resource',
      { limits: { 'example.com/gpu': '500m' } },
      ['spec.containers[0].resources.limits[example.com/gpu]: Invalid value: 500m: must be an integer'],
    ],
  ];
  for (const [name, res, expected] of cases) t.same(brief(validateResourceRequirements(res, path)), expected, name);
});

/** A defaulted pod spec, as validation sees it. */
function podSpec(over: Partial<Record<keyof PodSpec, unknown>> = {}, container: Record<string, unknown> = {}): PodSpec {
  return {
    containers: [{ name: 'web', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File', terminationMessagePath: '/dev/termination-log', resources: {}, ...container }],
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler',
    securityContext: {},
    ...over,
  } as PodSpec;
}

t.test('pod specs are validated with upstream paths and messages', async (t) => {
  const cases: Array<[string, PodSpec, string[]]> = [
    ['a valid spec', podSpec(), []],
    ['no containers', podSpec({ containers: [] }), ['spec.containers: Required value']],
    ['a container without image', podSpec({}, { image: '' }), ['spec.containers[0].image: Required value']],
    ['a container without name', podSpec({}, { name: '' }), ['spec.containers[0].name: Required value']],
    ['a container name that is no DNS label', podSpec({}, { name: 'Web' }), [`spec.containers[0].name: Invalid value: "Web": ${LABEL_MSG}`]],
    [
      'duplicate container names',
      podSpec({ containers: [podSpec().containers[0], podSpec().containers[0]] }),
      ['spec.containers[1].name: Duplicate value: "web"'],
    ],
    ['a port out of range', podSpec({}, { ports: [{ containerPort: 70000, protocol: 'TCP' }] }), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['a missing container port', podSpec({}, { ports: [{ protocol: 'TCP' }] }), ['spec.containers[0].ports[0].containerPort: Required value']],
    [
      'an unknown protocol',
      podSpec({}, { ports: [{ containerPort: 80, protocol: 'HTTP' }] }),
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'an env name with "="',
      podSpec({}, { env: [{ name: 'A=B', value: 'x' }] }),
      ["spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"],
    ],
    ['an env var without name', podSpec({}, { env: [{ value: 'x' }] }), ['spec.containers[0].env[0].name: Required value']],
    [
      'an unknown restart policy',
      podSpec({ restartPolicy: 'Sometimes' }),
      ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ],
    [
      'an unknown DNS policy',
      podSpec({ dnsPolicy: 'Cluster' }),
      ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ],
    ['DNS policy None without config', podSpec({ dnsPolicy: 'None' }), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
    [
      'an unknown pull policy',
      podSpec({}, { imagePullPolicy: 'Sometimes' }),
      ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'],
    ],
    ['a bad node selector value', podSpec({ nodeSelector: { disk: 'a b' } }), [`spec.nodeSelector: Invalid value: "a b": ${LABEL_VALUE_MSG}`]],
    ['a restart policy on a regular container', podSpec({}, { restartPolicy: 'Always' }), ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers']],
    [
      'a volume mount of an unknown volume',
      podSpec({}, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }),
      ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ],
    [
      'a node name that is no subdomain',
      podSpec({ nodeName: 'Node_1' }),
      [`spec.nodeName: Invalid value: "Node_1": ${SUBDOMAIN_MSG}`],
    ],
    [
      'an activeDeadlineSeconds of 0',
      podSpec({ activeDeadlineSeconds: 0 }),
      ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ],
    [
      'a hostNetwork pod whose host port differs',
      podSpec({ hostNetwork: true }, { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }),
      ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true'],
    ],
  ];
  for (const [name, spec, expected] of cases) t.same(brief(validatePodSpec(spec, 'spec', { resourceIsPod: true })), expected, name);
});

t.test('tolerations: operators, values and effects', async (t) => {
  const cases: Array<[string, unknown[], string[]]> = [
    ['valid tolerations', [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, { operator: 'Exists' }, { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], []],
    [
      'Exists with a value',
      [{ key: 'k', operator: 'Exists', value: 'v', effect: 'NoSchedule' }],
      [
        'spec.tolerations[0].operator: Invalid value: core.Toleration{Key:"k", Operator:"Exists", Value:"v", Effect:"NoSchedule", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is \'Exists\'',
      ],
    ],
    [
      'an empty key with Equal',
      [{ operator: 'Equal', value: '' }],
      ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    ],
    ['an unknown operator', [{ key: 'k', operator: 'Like' }], ['spec.tolerations[0].operator: Unsupported value: "Like": supported values: "Equal", "Exists"']],
    [
      'an unknown effect',
      [{ key: 'k', operator: 'Exists', effect: 'Evict' }],
      ['spec.tolerations[0].effect: Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ],
    [
      'tolerationSeconds without NoExecute',
      [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }],
      ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"],
    ],
  ];
  for (const [name, tolerations, expected] of cases) t.same(brief(validatePodSpec(podSpec({ tolerations }), 'spec')), expected, name);
});

t.test('affinity: node selector terms, operators and weights', async (t) => {
  const na = (required: unknown, preferred?: unknown): PodSpec =>
    podSpec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required, preferredDuringSchedulingIgnoredDuringExecution: preferred } } });
  const base = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
  const cases: Array<[string, PodSpec, string[]]> = [
    ['a valid term', na({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] }), []],
    ['no terms', na({ nodeSelectorTerms: [] }), [`${base}.nodeSelectorTerms: Required value: must have at least one node selector term`]],
    [
      'an unknown operator',
      na({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Near' }] }] }),
      [`${base}.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`],
    ],
    [
      'Gt with two values',
      na({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1', '2'] }] }] }),
      [`${base}.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`],
    ],
    [
      'a field selector on something else than metadata.name',
      na({ nodeSelectorTerms: [{ matchFields: [{ key: 'spec.nodeName', operator: 'In', values: ['n'] }] }] }),
      [`${base}.nodeSelectorTerms[0].matchFields[0].key: Invalid value: "spec.nodeName": not a valid field selector key`],
    ],
    [
      'a weight out of range',
      na(undefined, [{ weight: 0, preference: {} }]),
      ['spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100'],
    ],
  ];
  for (const [name, spec, expected] of cases) t.same(brief(validatePodSpec(spec, 'spec')), expected, name);
});

t.test('pod templates report labels at <template>.labels and allow an unset host port', async (t) => {
  const template = { metadata: { labels: { 'bad key': 'x' } }, spec: podSpec({ hostNetwork: true }, { ports: [{ containerPort: 80, protocol: 'TCP' }] }) };
  t.same(brief(validatePodTemplateSpec(template, 'spec.template')), [`spec.template.labels: Invalid value: "bad key": ${NAME_PART_MSG}`]);
});
