// Pod subresources beyond status: binding (the scheduler's write), eviction (policy/v1, what
// kubectl drain sends) and log (synthetic lines per container, optionally followed).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../store/object.js';
import { StatusError, badRequest, conflict, invalid, successStatus } from '../store/status-error.js';
import { pods } from '../api/resources.js';
import type { Registry } from '../api/registry.js';
import { decodeObjectBody } from '../server/negotiation.js';
import type { SubresourceHandler } from './resources.js';

type Query = Record<string, string | undefined>;

interface ContainerStatusLike {
  name: string;
  restartCount?: number;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { startedAt?: string; finishedAt?: string } };
  lastState?: { terminated?: { startedAt?: string; finishedAt?: string } };
}

function requireMethod(request: FastifyRequest, method: string): void {
  if (request.method !== method) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** POST pods/{name}/binding: sets spec.nodeName once; a bound pod answers 409 as upstream. */
const binding: SubresourceHandler = async ({ path, request, reply, registry }) => {
  requireMethod(request, 'POST');
  const body = (await decodeObjectBody(request.headers['content-type'], request.body as Buffer | undefined, 'Binding in version "v1" cannot be handled as a Binding')) as {
    metadata?: { name?: string };
    target?: { kind?: string; name?: string };
  };
  const target = body?.target?.name;
  if (!target) throw invalid('', 'Binding', path.name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  if (body.target?.kind && body.target.kind !== 'Node') throw invalid('', 'Binding', path.name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: ${JSON.stringify(body.target.kind)}: supported values: "Node"` }]);
  await bindPod(registry, path.namespace!, path.name, target);
  reply.code(201);
  return successStatus({});
};

/** Binds a pod to a node through the registry, as the binding subresource does (which also marks it PodScheduled). */
export async function bindPod(registry: Registry, namespace: string, name: string, nodeName: string): Promise<KubeObject> {
  return registry.patch(pods, namespace, name, (pod) => {
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (pod.metadata.deletionTimestamp) throw conflict({ group: '', resource: 'pods' }, name, 'pod is being deleted, cannot be assigned to a host');
    if (spec.nodeName) throw conflict({ group: '', resource: 'pods' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    spec.nodeName = nodeName;
    pod.spec = spec;
    return pod;
  }, { subresource: 'binding', internal: true });
}

/** POST pods/{name}/eviction: deletes the pod with the eviction's DeleteOptions. */
const eviction: SubresourceHandler = async ({ path, request, reply, registry }) => {
  requireMethod(request, 'POST');
  const body = (await decodeObjectBody(request.headers['content-type'], request.body as Buffer | undefined, 'Eviction in version "v1" cannot be handled as a Eviction')) as {
    kind?: string;
    metadata?: { name?: string };
    deleteOptions?: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] };
  };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Eviction must be a JSON object');
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`expected an Eviction, got ${String(body.kind)}`);
  if (body.metadata?.name !== undefined && body.metadata.name !== path.name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const options = body.deleteOptions ?? {};
  await registry.delete(pods, path.namespace, path.name, {
    gracePeriodSeconds: options.gracePeriodSeconds,
    preconditions: options.preconditions,
    dryRun: Array.isArray(options.dryRun) && options.dryRun.includes('All'),
  });
  reply.code(201);
  return successStatus({});
};

const LOG_INTERVAL_SECONDS = 5;

function logLine(pod: KubeObject, container: string, index: number): string {
  return `kubemock: container ${container} of pod ${pod.metadata.namespace}/${pod.metadata.name} is running (line ${index + 1})`;
}

/** GET pods/{name}/log: synthetic lines, one per 5 s of the container's life. */
const log: SubresourceHandler = async ({ path, request, reply, registry }) => {
  requireMethod(request, 'GET');
  const query = request.query as Query;
  const pod = registry.get(pods, path.namespace, path.name);
  const containers = ((pod.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []).map((c) => c.name);
  let container = query.container;
  if (!container) {
    if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${path.name}, choose one of: [${containers.join(' ')}]`);
    container = containers[0]!;
  }
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${path.name}`);
  const status = ((pod.status as { containerStatuses?: ContainerStatusLike[] } | undefined)?.containerStatuses ?? []).find((c) => c.name === container);
  const previous = query.previous === 'true';
  let startedAt: string | undefined;
  let finishedAt: string | undefined;
  if (previous) {
    const last = status?.lastState?.terminated;
    if (!last) throw badRequest(`previous terminated container "${container}" in pod "${path.name}" not found`);
    startedAt = last.startedAt;
    finishedAt = last.finishedAt;
  } else {
    startedAt = status?.state?.running?.startedAt ?? status?.state?.terminated?.startedAt;
    finishedAt = status?.state?.terminated?.finishedAt;
    if (!startedAt) {
      const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
      throw badRequest(`container "${container}" in pod "${path.name}" is waiting to start: ${reason}`);
    }
  }
  const tail = numberParam(query, 'tailLines');
  const since = numberParam(query, 'sinceSeconds');
  const limitBytes = numberParam(query, 'limitBytes');
  const timestamps = query.timestamps === 'true';
  const start = Date.parse(startedAt!);
  const nowMs = Date.now();
  const end = finishedAt ? Date.parse(finishedAt) : nowMs;
  const count = Math.max(1, Math.floor((end - start) / 1000 / LOG_INTERVAL_SECONDS) + 1);
  const render = (i: number): string => {
    const at = new Date(start + i * LOG_INTERVAL_SECONDS * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
    return `${timestamps ? `${at} ` : ''}${logLine(pod, container!, i)}\n`;
  };
  let first = 0;
  if (since !== undefined) first = Math.max(0, Math.ceil((nowMs - since * 1000 - start) / 1000 / LOG_INTERVAL_SECONDS));
  if (tail !== undefined) first = Math.max(first, count - tail);
  let text = '';
  for (let i = first; i < count; i++) text += render(i);
  if (limitBytes !== undefined) text = Buffer.from(text).subarray(0, limitBytes).toString('utf8');
  const follow = query.follow === 'true' && !previous && !finishedAt;
  if (!follow) return reply.type('text/plain').send(text);
  return followLog(reply, registry, pod, text, count, render);
};

/** Streams the existing lines, then a new one per interval until the pod or client goes away. */
function followLog(reply: FastifyReply, registry: Registry, pod: KubeObject, text: string, next: number, render: (i: number) => string): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
  res.write(text);
  let i = next;
  const timer = setInterval(() => {
    const current = registry.store.get({ group: '', resource: 'pods' }, pod.metadata.namespace, pod.metadata.name!);
    if (!current || current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(render(i++));
  }, LOG_INTERVAL_SECONDS * 1000);
  timer.unref();
  res.on('close', () => clearInterval(timer));
}

function numberParam(query: Query, key: string): number | undefined {
  const v = query[key];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`invalid value for ${key}: ${JSON.stringify(v)}`);
  return Number(v);
}

export const POD_SUBRESOURCES: Record<string, SubresourceHandler> = {
  'pods/binding': binding,
  'pods/eviction': eviction,
  'pods/log': log,
};
