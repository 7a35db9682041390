// OpenAPI v3 component schemas of the kubemock.dev/v1alpha1 kinds, written by hand (they have no
// kubernetes-types declarations to generate from) and merged into COMPONENT_SCHEMAS, so OpenAPI
// documents, `kubectl explain`, field validation and decoding treat them like every other kind.
// Component names follow CRDs: the group's reversed domain (dev.kubemock.v1alpha1.NodeControl).
import type { OpenApiSchema } from './openapi-schemas.js';

const GROUP = 'kubemock.dev';
const VERSION = 'v1alpha1';
const PREFIX = 'dev.kubemock.v1alpha1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const DOCS = 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md';

const str = (description: string, extra: Partial<OpenApiSchema> = {}): OpenApiSchema => ({ type: 'string', description, ...extra });
const int = (description: string, format = 'int32'): OpenApiSchema => ({ type: 'integer', format, description });
const num = (description: string): OpenApiSchema => ({ type: 'number', format: 'double', description });
const bool = (description: string): OpenApiSchema => ({ type: 'boolean', description });
const time = (description: string): OpenApiSchema => ({ allOf: [{ $ref: `#/components/schemas/${META}.Time` }], description });
const list = (items: OpenApiSchema, description: string): OpenApiSchema => ({ type: 'array', items, description });
const obj = (properties: Record<string, OpenApiSchema>, description: string, required?: string[]): OpenApiSchema => ({
  type: 'object',
  description,
  properties,
  ...(required ? { required } : {}),
});
const strings = (description: string): OpenApiSchema => list({ type: 'string' }, description);
const labelSelector = (description: string): OpenApiSchema => ({ allOf: [{ $ref: `#/components/schemas/${META}.LabelSelector` }], description });

interface KindDoc {
  kind: string;
  description: string;
  spec?: OpenApiSchema;
  status?: OpenApiSchema;
}

/** The kind's schema and its list's, shaped like the generated ones. */
function kindSchemas({ kind, description, spec, status }: KindDoc): Record<string, OpenApiSchema> {
  const typeMeta = {
    apiVersion: str(`APIVersion defines the versioned schema of this representation of an object. More info: ${DOCS}#resources`),
    kind: str(`Kind is a string value representing the REST resource this object represents. In CamelCase. More info: ${DOCS}#types-kinds`),
  };
  return {
    [`${PREFIX}.${kind}`]: {
      description,
      type: 'object',
      properties: {
        ...typeMeta,
        metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], description: `Standard object's metadata. More info: ${DOCS}#metadata` },
        ...(spec ? { spec } : {}),
        ...(status ? { status } : {}),
      },
      'x-kubernetes-group-version-kind': [{ group: GROUP, kind, version: VERSION }],
    },
    [`${PREFIX}.${kind}List`]: {
      description: `${kind}List is a list of ${kind} objects.`,
      type: 'object',
      properties: {
        ...typeMeta,
        items: { type: 'array', items: { $ref: `#/components/schemas/${PREFIX}.${kind}` }, description: `items is a list of ${kind} objects.` },
        metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ListMeta` }], description: `Standard list metadata. More info: ${DOCS}#metadata` },
      },
      required: ['items'],
      'x-kubernetes-group-version-kind': [{ group: GROUP, kind: `${kind}List`, version: VERSION }],
    },
  };
}

const nodeControl = kindSchemas({
  kind: 'NodeControl',
  description: 'NodeControl stops or starts the simulated kubelet of the node it is named after.',
  spec: obj(
    { kubelet: str('Running (the default) or Stopped. A stopped kubelet renews no lease and reports no status, so the node becomes Unknown after the grace period.', { enum: ['Running', 'Stopped'] }) },
    'spec says what the node\'s kubelet does.',
  ),
  status: obj(
    {
      observedGeneration: int('The generation of spec the status reflects.', 'int64'),
      nodeReady: str('Status of the node\'s Ready condition (True, False, Unknown), or empty when the node does not exist.'),
      taints: strings('The node\'s taints as key=value:Effect.'),
    },
    'status mirrors the node the control is named after.',
  ),
});

const placementReason = obj(
  {
    type: str('NodeName, NodeSelector, NodeAffinity, Taint or Capacity.'),
    message: str('The reason in words, e.g. `taint dedicated=gpu:NoSchedule is not tolerated`.'),
  },
  'Why a node gets no daemon pod.',
);

const daemonSetPlacement = kindSchemas({
  kind: 'DaemonSetPlacement',
  description: 'DaemonSetPlacement explains, node by node, where the DaemonSet of the same namespace and name runs pods and why not elsewhere. Written by kubemock; read-only.',
  status: obj(
    {
      observedGeneration: int('The DaemonSet generation this placement reflects.', 'int64'),
      numberEligible: int('Nodes that should run a daemon pod.'),
      numberScheduled: int('Eligible nodes that have their daemon pod bound.'),
      numberNotEligible: int('Nodes that get no daemon pod.'),
      numberPending: int('Eligible nodes still without a scheduled daemon pod.'),
      nodes: list(
        obj(
          {
            nodeName: str('The node.'),
            eligible: bool('Whether the DaemonSet creates a pod on this node (nodeShouldRunDaemonPod).'),
            keepsExistingPod: bool('Not eligible, but a daemon pod already there may stay (only NoSchedule taints are untolerated).'),
            pod: str('The daemon pod on this node, if any.'),
            podPhase: str('Its phase, or Terminating.'),
            reasons: list(placementReason, 'Why the node gets no daemon pod (or why an eligible node still has none).'),
            notes: strings('Facts that do not keep a daemon pod away, such as a cordoned node.'),
          },
          'One node.',
        ),
        'Every node, by name.',
      ),
    },
    'status is the placement, computed by kubemock.',
  ),
});

const faultRule = kindSchemas({
  kind: 'FaultRule',
  description: 'FaultRule makes matching API requests slow, fail with a Status, or lose their watch. Requests to kubemock.dev are never faulted.',
  spec: obj(
    {
      match: obj(
        {
          verbs: strings('get, list, watch, create, update, patch, delete, deletecollection; empty matches every verb.'),
          resources: strings('Resources as <resource>[.<group>][/<subresource>] (pods, daemonsets.apps, pods/status); empty matches every resource.'),
          namespaces: strings('Namespaces; empty matches every namespace (cluster-scoped requests have the namespace "").'),
          names: strings('Object names; empty matches every name (collection requests have the name "").'),
          userAgent: str('A regular expression the User-Agent header must match.'),
        },
        'Which requests the rule applies to.',
      ),
      action: obj(
        {
          latencyMs: int('Delay the request this many milliseconds (real time) before serving or failing it.'),
          code: int('Answer with this status code instead: 409 Conflict, 429 TooManyRequests, 500 InternalError or 503 ServiceUnavailable.'),
          retryAfterSeconds: int('With 429 (default 1) or 503: the Retry-After header and details.retryAfterSeconds.'),
          message: str('The Status message (default: names the rule).'),
          dropWatchAfterEvents: int('Watches: drop the connection after this many events.'),
        },
        'What a matching request gets.',
      ),
      count: int('Apply to the next count matches only.'),
      fraction: num('Apply to this fraction of the matches (0 < fraction <= 1, default 1).'),
      ttlSeconds: int('The rule expires this many seconds after it is created (sets expiresAt).'),
      expiresAt: time('The rule stops applying at this time.'),
    },
    'spec selects requests and says what happens to them.',
    ['action'],
  ),
  status: obj(
    {
      phase: str('Active, Exhausted (count reached) or Expired.'),
      matched: int('Requests that matched the rule.', 'int64'),
      applied: int('Requests the action was applied to.', 'int64'),
      lastAppliedTime: time('When the action was last applied.'),
    },
    'status counts what the rule did.',
  ),
});

const recordedRequest = kindSchemas({
  kind: 'RecordedRequest',
  description: 'RecordedRequest is one of the last requests the API server received, shaped like an audit.k8s.io Event. Served from memory; read-only.',
});
// Its fields sit at the top level, as an audit Event's do.
Object.assign(recordedRequest['dev.kubemock.v1alpha1.RecordedRequest']!.properties!, {
  stage: str('RequestReceived, ResponseStarted (a watch streaming) or ResponseComplete.'),
  verb: str('The API verb (get, list, watch, create, update, patch, delete, deletecollection), or the lowercase HTTP method off the resource paths.'),
  requestURI: str('The request URI as sent.'),
  userAgent: str('The User-Agent header.'),
  sourceIPs: strings('The client address.'),
  objectRef: obj(
    {
      resource: str('The resource.'),
      namespace: str('The namespace, if any.'),
      name: str('The object name, if any.'),
      apiGroup: str('The API group ("" for core).'),
      apiVersion: str('The API version.'),
      subresource: str('The subresource, if any.'),
    },
    'What the request addressed (resource requests only).',
  ),
  responseStatus: obj({ code: int('The HTTP status code.') }, 'The response status, once it started.'),
  latencyMs: num('Milliseconds from receipt to the end of the response (so far, while open).'),
  requestReceivedTimestamp: { allOf: [{ $ref: `#/components/schemas/${META}.MicroTime` }], description: 'When the request arrived (server clock).' },
  stageTimestamp: { allOf: [{ $ref: `#/components/schemas/${META}.MicroTime` }], description: 'When the request reached its stage (server clock).' },
});

const clock = kindSchemas({
  kind: 'Clock',
  description: 'Clock is the cluster\'s time, a singleton named cluster. Under a virtual clock (--clock virtual) time stands still until spec.time moves ahead.',
  spec: obj(
    {
      time: str('The time the cluster should be at; a virtual clock advances to it (never back).', { format: 'date-time' }),
      advanceSeconds: int('Write-only: moves spec.time this many seconds past the later of spec.time and now.', 'int64'),
    },
    'spec says where time should be.',
  ),
  status: obj(
    {
      mode: str('Virtual or Real.'),
      time: str('The cluster\'s time (virtual clocks).', { format: 'date-time' }),
      observedGeneration: int('The generation of spec the status reflects.', 'int64'),
      conditions: list(
        obj(
          {
            type: str('Settled.'),
            status: str('True, False or Unknown.'),
            reason: str('Machine-readable reason.'),
            message: str('Human-readable message.'),
            lastTransitionTime: time('When the status last changed.'),
            observedGeneration: int('The generation the condition was set for.', 'int64'),
          },
          'A condition.',
        ),
        'Settled is True once the clock reached spec.time and the cluster caught up.',
      ),
    },
    'status is where time is.',
  ),
});

const podStage = kindSchemas({
  kind: 'PodStage',
  description: 'PodStage says how the simulated kubelet runs the pods it selects: start-up delay and jitter, readiness delay, containers that exit, image pulls that fail, containers slow to stop. The first stage by name that selects a pod applies.',
  spec: obj(
    {
      selector: labelSelector('The pods the stage applies to, by label; empty selects every pod.'),
      fieldSelector: str('A pod field selector, e.g. spec.nodeName=node-1.'),
      namespaces: strings('Only pods in these namespaces; empty means all.'),
      startup: obj({ delayMs: int('How long pods stay ContainerCreating (default 500).'), jitterMs: int('Up to this much more, fixed per pod.') }, 'Start-up.'),
      readiness: obj({ delayMs: int('How long a started container stays not ready.') }, 'Readiness.'),
      failure: obj(
        {
          fraction: num('The share of selected pods whose containers exit (default 1).'),
          afterMs: int('How long a container runs before it exits (default 1000).'),
          exitCode: int('Its exit code (default 1).'),
        },
        'Containers that exit: the pod fails under restartPolicy Never, else goes into CrashLoopBackOff with restarts counting up.',
      ),
      imagePull: obj({ fraction: num('The share of selected pods whose image pulls fail (default 1): ErrImagePull, then ImagePullBackOff.') }, 'Image pulls that fail.'),
      termination: obj(
        {
          exitDelayMs: int('How long containers take to exit after SIGTERM (default 1000); the kubelet kills them when the grace period ends first.'),
          ignoreSigterm: bool('Containers ignore SIGTERM: a deleted pod stays Terminating for its whole grace period (terminationGracePeriodSeconds), then the kubelet kills them.'),
        },
        'How containers stop when their pod is deleted.',
      ),
    },
    'spec selects pods and says how they run.',
  ),
});

const nodeStage = kindSchemas({
  kind: 'NodeStage',
  description: 'NodeStage says how the simulated kubelet reports the nodes it selects: a start-up delay before Ready, nodes that report Ready=False, the status heartbeat. The first stage by name that selects a node applies.',
  spec: obj(
    {
      selector: labelSelector('The nodes the stage applies to, by label; empty selects every node.'),
      fieldSelector: str('A node field selector, e.g. metadata.name=node-3.'),
      startup: obj(
        {
          delayMs: int('How long after its creation the node reports Ready (default 0); until then Ready=False, KubeletNotReady.'),
          jitterMs: int('Up to this much more, fixed per node.'),
        },
        'Start-up.',
      ),
      notReady: obj(
        {
          fraction: num('The share of selected nodes that report Ready=False (default 1), fixed per node.'),
          reason: str('The Ready condition\'s reason (default KubeletNotReady).'),
          message: str('The Ready condition\'s message (default: container runtime network not ready, cni plugin not initialized).'),
        },
        'Nodes whose kubelet reports Ready=False: the node lifecycle controller taints them node.kubernetes.io/not-ready.',
      ),
      heartbeat: obj({ intervalMs: int('How often the kubelet posts node status when nothing changed (default 40000); the Lease is renewed as before.') }, 'Node status heartbeat.'),
    },
    'spec selects nodes and says how their kubelet reports them.',
  ),
});

/** Every kubemock.dev component schema, by name. */
export const STEERING_SCHEMAS: Readonly<Record<string, OpenApiSchema>> = {
  ...nodeControl,
  ...daemonSetPlacement,
  ...faultRule,
  ...recordedRequest,
  ...clock,
  ...podStage,
  ...nodeStage,
};
