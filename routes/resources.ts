// The one generic resource handler: parses /api/... and /apis/... paths against the resource
// table and dispatches each verb to the registry. A new kind needs no change here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../store/object.js';
import { StatusError, badRequest, methodNotAllowed, routeNotFound, unsupportedMediaType } from '../store/status-error.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../api/patch.js';
import type { DeleteOptions, Registry, RequestOptions } from '../api/registry.js';
import { apiVersionOf, type ResourceDefinition } from '../api/types.js';
import { decodeObjectBody, mediaType, negotiate, parseJsonBody, type Representation } from '../server/negotiation.js';
import { WatchStream, type WatchStreams } from '../server/watch-stream.js';
import { buildTable, parseIncludeObject, partialObjectMetadata } from './table.js';
import { apiGroupDocument, apiResourceList } from './discovery.js';

/** A parsed resource path. */
export interface ResourcePath {
  group: string;
  version: string;
  def: ResourceDefinition;
  namespace?: string;
  name?: string;
  subresource?: string;
}

type Query = Record<string, string | string[] | undefined>;

/** Handlers for subresources other than status (pods/log, pods/eviction, ...), keyed `plural/sub`. */
export type SubresourceHandler = (ctx: { path: ResourcePath & { name: string }; request: FastifyRequest; reply: FastifyReply; registry: Registry }) => Promise<unknown>;

export interface ResourceRoutesOptions {
  registry: Registry;
  watches: WatchStreams;
  now: () => Date;
  subresourceHandlers?: Record<string, SubresourceHandler>;
}

function one(query: Query, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function integerParam(query: Query, key: string): number | undefined {
  const text = one(query, key);
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw badRequest(`invalid value for ${key}: ${JSON.stringify(text)}: must be an integer`);
  return Number(text);
}

function booleanParam(query: Query, key: string): boolean | undefined {
  const text = one(query, key);
  if (text === undefined || text === '') return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw badRequest(`invalid value for ${key}: ${JSON.stringify(text)}: must be a boolean`);
}

/** dryRun accepts only "All", as upstream. */
function dryRunParam(query: Query): boolean {
  const raw = query.dryRun;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const v of values) {
    if (v !== 'All') {
      throw new StatusError(422, 'Invalid', `dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`, {
        causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(v)}: supported values: "All"`, field: 'dryRun' }],
      });
    }
  }
  return values.length > 0;
}

function requestOptions(query: Query): RequestOptions {
  const fieldManager = one(query, 'fieldManager');
  if (fieldManager !== undefined && fieldManager.length > 128) {
    throw new StatusError(422, 'Invalid', 'fieldManager: Too long: may not be more than 128 bytes', {
      causes: [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 128 bytes', field: 'fieldManager' }],
    });
  }
  return { dryRun: dryRunParam(query), fieldManager };
}

/** Splits a URL path into a resource path; undefined when it names no resource. */
export function parseResourcePath(registry: Registry, url: string): ResourcePath | 'discovery' | undefined {
  const segments = url.split('?')[0]!.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length < 2) return undefined;
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    if (segments.length < 3) return undefined;
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else return undefined;
  if (rest.length === 0) return 'discovery';
  // namespaces/<ns>/<resource>/... unless the third segment is a namespace subresource.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    const def = registry.find(group, version, rest[2]!);
    if (!def || !def.namespaced || rest.length > 5) return undefined;
    return { group, version, def, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const def = registry.find(group, version, rest[0]!);
  if (!def || rest.length > 3) return undefined;
  return { group, version, def, name: rest[1], subresource: rest[2] };
}

/** Registers the catch-all routes under /api and /apis. */
export async function resourceRoutes(app: FastifyInstance, options: ResourceRoutesOptions): Promise<void> {
  const { registry, watches, now } = options;
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const parsed = parseResourcePath(registry, request.url);
    if (parsed === 'discovery') {
      if (request.method !== 'GET') throw methodNotAllowed();
      const segments = request.url.split('?')[0]!.split('/').filter(Boolean);
      const doc = segments[0] === 'api' ? apiResourceList(registry, '', segments[1]!) : apiResourceList(registry, segments[1]!, segments[2]!);
      if (!doc) throw routeNotFound();
      return doc;
    }
    if (!parsed) {
      const segments = request.url.split('?')[0]!.split('/').filter(Boolean);
      if (segments[0] === 'apis' && segments.length === 2 && request.method === 'GET') {
        const doc = apiGroupDocument(registry, segments[1]!);
        if (doc) return doc;
      }
      throw routeNotFound();
    }
    return dispatch(parsed, request, reply);
  };

  const dispatch = async (path: ResourcePath, request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { def, namespace, name, subresource } = path;
    const query = request.query as Query;
    const method = request.method;
    if (def.namespaced && namespace === undefined && name !== undefined) throw routeNotFound();
    if (subresource !== undefined) {
      const sub = def.subresources.find((s) => s.name === subresource);
      if (!sub || name === undefined) throw routeNotFound();
      const custom = options.subresourceHandlers?.[`${def.plural}/${subresource}`];
      if (custom) return custom({ path: { ...path, name }, request, reply, registry });
      // Other subresources (status, finalize) are the parent object under their own update rules.
      if (subresource !== 'status' && !def.subresourceStrategies?.[subresource]) throw routeNotFound();
    }
    if (name === undefined) {
      if (method === 'GET') {
        if (booleanParam(query, 'watch')) return startWatch(path, request, reply);
        return sendList(path, request, reply);
      }
      if (method === 'POST') {
        const body = decodeObjectBody(request.headers['content-type'], request.body as Buffer | undefined, `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}`);
        const created = await registry.create(def, namespace, body, requestOptions(query));
        reply.code(201);
        return render(def, created, request, reply);
      }
      if (method === 'DELETE') {
        if (!def.verbs.includes('deletecollection')) throw methodNotAllowed();
        const deleteOptions = parseDeleteOptions(request, query);
        const deleted = await registry.deleteCollection(
          def,
          { namespace, labelSelector: one(query, 'labelSelector'), fieldSelector: one(query, 'fieldSelector') },
          deleteOptions,
        );
        return { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(registry.store.resourceVersion) }, items: deleted };
      }
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return render(def, registry.get(def, namespace, name), request, reply);
      case 'PUT': {
        const body = decodeObjectBody(request.headers['content-type'], request.body as Buffer | undefined, `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}`);
        const updated = await registry.update(def, namespace, name, body, { ...requestOptions(query), subresource });
        return render(def, updated, request, reply);
      }
      case 'PATCH': {
        const patched = await applyPatchRequest(path, request, query, subresource);
        return render(def, patched, request, reply);
      }
      case 'DELETE': {
        if (subresource) throw methodNotAllowed();
        const result = await registry.delete(def, namespace, name, parseDeleteOptions(request, query));
        if (result.deleted) return result.status;
        return render(def, result.object, request, reply);
      }
      default:
        throw methodNotAllowed();
    }
  };

  const applyPatchRequest = async (path: ResourcePath, request: FastifyRequest, query: Query, subresource: string | undefined): Promise<KubeObject> => {
    const { def, namespace, name } = path;
    const type = mediaType(request.headers['content-type']);
    const raw = request.body as Buffer | undefined;
    if (!raw || raw.length === 0) throw badRequest('the body of the request is empty: a patch is required');
    const what = 'the server rejected our request due to an error in our request';
    let apply: (current: KubeObject) => KubeObject;
    switch (type) {
      case 'application/json-patch+json': {
        const patch = parseJsonBody(raw.toString('utf8'), what);
        apply = (current) => applyJsonPatch(current, patch);
        break;
      }
      case 'application/merge-patch+json': {
        const patch = parseJsonBody(raw.toString('utf8'), what);
        apply = (current) => applyMergePatch(current, patch);
        break;
      }
      case 'application/strategic-merge-patch+json': {
        const patch = parseJsonBody(raw.toString('utf8'), what);
        apply = (current) => applyStrategicMergePatch(def, current, patch);
        break;
      }
      default:
        throw unsupportedMediaType(request.headers['content-type'] ?? '');
    }
    return registry.patch(def, namespace, name!, apply, { ...requestOptions(query), subresource });
  };

  const sendList = async (path: ResourcePath, request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { def, namespace } = path;
    const query = request.query as Query;
    const representation = negotiate(request.headers.accept);
    const limit = integerParam(query, 'limit');
    const result = registry.list(def, {
      namespace,
      labelSelector: one(query, 'labelSelector'),
      fieldSelector: one(query, 'fieldSelector'),
      limit,
      continue: one(query, 'continue'),
      resourceVersion: one(query, 'resourceVersion'),
      resourceVersionMatch: one(query, 'resourceVersionMatch'),
    });
    const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) listMeta.continue = result.continue;
    if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
    if (representation.as === 'Table') {
      return buildTable(def, result.items, { now: now(), includeObject: parseIncludeObject(one(query, 'includeObject')), version: representation.version, withColumns: true, listMeta });
    }
    if (representation.as === 'PartialObjectMetadata') {
      return { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${representation.version}`, metadata: listMeta, items: result.items.map((o) => partialObjectMetadata(o, representation.version)) };
    }
    return send(reply, representation, { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta, items: result.items });
  };

  const render = (def: ResourceDefinition, obj: KubeObject, request: FastifyRequest, reply: FastifyReply): unknown => {
    const representation = negotiate(request.headers.accept);
    const query = request.query as Query;
    if (representation.as === 'Table') {
      return buildTable(def, [obj], { now: now(), includeObject: parseIncludeObject(one(query, 'includeObject')), version: representation.version, withColumns: true, listMeta: { resourceVersion: obj.metadata.resourceVersion } });
    }
    if (representation.as === 'PartialObjectMetadata') return partialObjectMetadata(obj, representation.version);
    return send(reply, representation, obj);
  };

  const startWatch = (path: ResourcePath, request: FastifyRequest, reply: FastifyReply): void => {
    const { def, namespace } = path;
    const query = request.query as Query;
    const representation = negotiate(request.headers.accept);
    const timeoutSeconds = integerParam(query, 'timeoutSeconds');
    const includeObject = parseIncludeObject(one(query, 'includeObject'));
    const allowWatchBookmarks = booleanParam(query, 'allowWatchBookmarks') ?? false;
    const watchRequest = {
      namespace,
      labelSelector: one(query, 'labelSelector'),
      fieldSelector: one(query, 'fieldSelector'),
      resourceVersion: one(query, 'resourceVersion'),
      resourceVersionMatch: one(query, 'resourceVersionMatch'),
      allowWatchBookmarks,
      sendInitialEvents: booleanParam(query, 'sendInitialEvents'),
    };
    // Selectors and options are checked before the stream starts, so mistakes get a plain 4xx.
    registry.selector(def, watchRequest.labelSelector, watchRequest.fieldSelector);
    reply.hijack();
    const stream = new WatchStream(reply.raw);
    watches.add(stream);
    let firstTableEvent = true;
    const encode = (object: KubeObject): unknown => {
      if (representation.as === 'Table') {
        const table = buildTable(def, [object], { now: now(), includeObject, version: representation.version, withColumns: firstTableEvent, listMeta: { resourceVersion: object.metadata.resourceVersion } });
        firstTableEvent = false;
        return table;
      }
      if (representation.as === 'PartialObjectMetadata') return partialObjectMetadata(object, representation.version);
      return object;
    };
    const bookmark = (resourceVersion: string, annotations?: Record<string, string>): void => {
      stream.writeEvent('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion, ...(annotations ? { annotations } : {}) } });
    };
    try {
      const watch = registry.watch(def, watchRequest, {
        event: (type, object) => stream.writeEvent(type, encode(object)),
        bookmark,
      });
      stream.onEnd(() => watch.stop());
      if (allowWatchBookmarks) {
        // Periodic bookmarks let informers resume close to now after a reconnect.
        const timer = setInterval(() => bookmark(String(registry.store.deliveredResourceVersion)), 60_000);
        timer.unref();
        stream.onEnd(() => clearInterval(timer));
      }
      if (timeoutSeconds !== undefined && timeoutSeconds > 0) stream.endAfter(timeoutSeconds);
    } catch (err) {
      if (err instanceof StatusError) stream.fail(err.status);
      else {
        stream.end();
        throw err;
      }
    }
  };

  for (const prefix of ['/api', '/apis']) {
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${prefix}/*`, handler });
  }
}

function send(reply: FastifyReply, representation: Representation, body: unknown): unknown {
  if (representation.as === 'object' && representation.format === 'yaml') {
    reply.type('application/yaml');
    return toYaml(body);
  }
  return body;
}

/** DeleteOptions from the body (JSON) and the query, the query winning as upstream. */
function parseDeleteOptions(request: FastifyRequest, query: Query): DeleteOptions {
  const raw = request.body as Buffer | undefined;
  let body: Record<string, unknown> = {};
  if (raw && raw.length > 0) {
    const parsed = decodeObjectBody(request.headers['content-type'], raw, 'DeleteOptions');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('DeleteOptions must be a JSON object');
    body = parsed as Record<string, unknown>;
    if (body.kind !== undefined && body.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions, got ${String(body.kind)}`);
  }
  const options: DeleteOptions = {};
  const grace = integerParam(query, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) throw badRequest('gracePeriodSeconds must be an integer');
    options.gracePeriodSeconds = Math.max(0, grace);
  }
  const policy = one(query, 'propagationPolicy') ?? body.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw new StatusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`, {
        group: 'meta.k8s.io',
        kind: 'DeleteOptions',
        causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`, field: 'propagationPolicy' }],
      });
    }
    options.propagationPolicy = policy;
  }
  const orphan = booleanParam(query, 'orphanDependents') ?? body.orphanDependents;
  if (orphan !== undefined && orphan !== null) {
    if (typeof orphan !== 'boolean') throw badRequest('orphanDependents must be a boolean');
    if (options.propagationPolicy) throw badRequest('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "' + options.propagationPolicy + '": orphanDependents and deletionPropagation cannot be both set');
    options.orphanDependents = orphan;
  }
  if (body.preconditions !== undefined && body.preconditions !== null) {
    const pre = body.preconditions as Record<string, unknown>;
    if (typeof pre !== 'object' || Array.isArray(pre)) throw badRequest('preconditions must be an object');
    options.preconditions = {
      uid: typeof pre.uid === 'string' ? pre.uid : undefined,
      resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    };
  }
  const bodyDryRun = body.dryRun;
  if (bodyDryRun !== undefined && bodyDryRun !== null) {
    if (!Array.isArray(bodyDryRun) || bodyDryRun.some((v) => v !== 'All')) throw badRequest('dryRun: supported values: "All"');
  }
  options.dryRun = dryRunParam(query) || (Array.isArray(bodyDryRun) && bodyDryRun.length > 0);
  return options;
}
