// kubemock's REST surface for people: an OpenAPI 3 document derived from the resource table,
// committed as openapi.yaml (a test keeps the two equal) and served with a docs page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceDefinition } from '../api/types.js';
import { apiVersionOf } from '../api/types.js';
import { requireExternal } from '../server/lazy.js';

type Operation = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const query = (name: string, description: string, type = 'string') => ({ name, in: 'query', required: false, description, schema: { type } });
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const LIST_PARAMETERS = [
  query('labelSelector', 'Label selector, e.g. `app=web,tier!=db`, `env in (a,b)`, `!legacy`.'),
  query('fieldSelector', 'Field selector over metadata.name, metadata.namespace and the fields the kind supports.'),
  query('limit', 'Page size; follow metadata.continue for the next page.', 'integer'),
  query('continue', 'The continue token of the previous page.'),
  query('resourceVersion', 'Consistency of the list, or the version a watch starts after.'),
  query('resourceVersionMatch', 'Exact or NotOlderThan.'),
  query('watch', 'Stream changes as newline-delimited watch events.', 'boolean'),
  query('allowWatchBookmarks', 'Send BOOKMARK events.', 'boolean'),
  query('sendInitialEvents', 'Start a watch with the current state, ended by a bookmark.', 'boolean'),
  query('timeoutSeconds', 'End the watch after this many seconds.', 'integer'),
];
const WRITE_PARAMETERS = [
  query('dryRun', 'All: validate and default, but store nothing.'),
  query('fieldManager', 'Name of the actor making the change.'),
  query('fieldValidation', 'Ignore, Warn or Strict handling of unknown and duplicate fields.'),
];
const DELETE_PARAMETERS = [
  query('gracePeriodSeconds', 'Seconds before the object is removed (pods).', 'integer'),
  query('propagationPolicy', 'Orphan, Background or Foreground deletion of dependents.'),
  query('dryRun', 'All: validate, but delete nothing.'),
];
const PATCH_BODY = {
  required: true,
  content: Object.fromEntries(
    ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'].map((t) => [t, { schema: { type: 'object' } }]),
  ),
};
const ERRORS = {
  '400': { description: 'Malformed request', content: json(ref('Status')) },
  '404': { description: 'Not found', content: json(ref('Status')) },
  '409': { description: 'Conflict or AlreadyExists', content: json(ref('Status')) },
  '422': { description: 'Invalid', content: json(ref('Status')) },
};

function operation(summary: string, id: string, extra: Operation, ok: Record<string, unknown>): Operation {
  return { summary, operationId: id, tags: [], ...extra, responses: { ...ok, ...ERRORS } };
}

function resourcePaths(def: ResourceDefinition): Record<string, Operation> {
  const base = `/${def.group ? `apis/${def.group}` : 'api'}/${def.version}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
  const tag = apiVersionOf(def);
  const nsParam = def.namespaced ? [pathParam('namespace', 'The namespace.')] : [];
  const nameParam = pathParam('name', `The ${def.singular} name.`);
  const object = json(ref('Object'));
  const tagged = (op: Operation) => ({ ...op, tags: [tag] });
  const paths: Record<string, Operation> = {
    [base]: {
      parameters: nsParam,
      get: tagged(operation(`List or watch ${def.plural}`, `list${def.kind}`, { parameters: LIST_PARAMETERS }, { '200': { description: `A ${def.listKind}, a Table, or a watch stream`, content: json(ref('List')) } })),
      post: tagged(operation(`Create a ${def.kind}`, `create${def.kind}`, { parameters: WRITE_PARAMETERS, requestBody: { required: true, content: object } }, { '201': { description: 'Created', content: object } })),
      ...(def.verbs.includes('deletecollection')
        ? { delete: tagged(operation(`Delete a collection of ${def.plural}`, `deleteCollection${def.kind}`, { parameters: [...LIST_PARAMETERS.slice(0, 2), ...DELETE_PARAMETERS] }, { '200': { description: 'The deleted objects', content: json(ref('List')) } })) }
        : {}),
    },
    [`${base}/{name}`]: {
      parameters: [...nsParam, nameParam],
      get: tagged(operation(`Read a ${def.kind}`, `read${def.kind}`, {}, { '200': { description: 'OK', content: object } })),
      put: tagged(operation(`Replace a ${def.kind}`, `replace${def.kind}`, { parameters: WRITE_PARAMETERS, requestBody: { required: true, content: object } }, { '200': { description: 'OK', content: object } })),
      patch: tagged(operation(`Patch a ${def.kind}`, `patch${def.kind}`, { parameters: [...WRITE_PARAMETERS, query('force', 'Server-side apply: take over conflicting fields.', 'boolean')], requestBody: PATCH_BODY }, { '200': { description: 'OK', content: object } })),
      delete: tagged(operation(`Delete a ${def.kind}`, `delete${def.kind}`, { parameters: DELETE_PARAMETERS, requestBody: { required: false, content: json(ref('DeleteOptions')) } }, { '200': { description: 'A Success Status, or the object while its deletion is pending', content: json(ref('Status')) } })),
    },
  };
  for (const sub of def.subresources) {
    const path = `${base}/{name}/${sub.name}`;
    const ops: Operation = { parameters: [...nsParam, nameParam] };
    const id = `${sub.name}${def.kind}`;
    if (sub.verbs.includes('get')) ops.get = tagged(operation(`Read ${sub.name} of a ${def.kind}`, `read${id}`, {}, { '200': { description: 'OK' } }));
    if (sub.verbs.includes('update')) ops.put = tagged(operation(`Replace ${sub.name} of a ${def.kind}`, `replace${id}`, { requestBody: { required: true, content: object } }, { '200': { description: 'OK', content: object } }));
    if (sub.verbs.includes('patch')) ops.patch = tagged(operation(`Patch ${sub.name} of a ${def.kind}`, `patch${id}`, { requestBody: PATCH_BODY }, { '200': { description: 'OK', content: object } }));
    if (sub.verbs.includes('create')) ops.post = tagged(operation(`Create a ${sub.kind} for a ${def.kind}`, `create${id}`, { requestBody: { required: true, content: json(ref('Object')) } }, { '201': { description: 'Created', content: json(ref('Status')) } }));
    paths[path] = ops;
  }
  return paths;
}

const fixedPaths: Record<string, Operation> = {
  '/version': { get: operation('Server version', 'getVersion', { tags: ['discovery'] }, { '200': { description: 'major, minor, gitVersion, …' } }) },
  '/api': { get: operation('Core API versions (legacy, or aggregated discovery by Accept)', 'getCoreAPIVersions', { tags: ['discovery'] }, { '200': { description: 'APIVersions or APIGroupDiscoveryList' } }) },
  '/apis': { get: operation('API groups (legacy, or aggregated discovery by Accept)', 'getAPIGroups', { tags: ['discovery'] }, { '200': { description: 'APIGroupList or APIGroupDiscoveryList' } }) },
  '/openapi/v2': { get: operation('OpenAPI v2 for kubectl (an empty protobuf document)', 'getOpenAPIV2', { tags: ['openapi'] }, { '200': { description: 'OK' } }) },
  '/openapi/v3': { get: operation('OpenAPI v3 index of per-group-version documents', 'getOpenAPIV3', { tags: ['openapi'] }, { '200': { description: 'OK' } }) },
  '/livez': { get: operation('Liveness', 'getLivez', { tags: ['health'] }, { '200': { description: 'ok' } }) },
  '/readyz': { get: operation('Readiness', 'getReadyz', { tags: ['health'] }, { '200': { description: 'ok' } }) },
  '/healthz': { get: operation('Health', 'getHealthz', { tags: ['health'] }, { '200': { description: 'ok' } }) },
};

/** The whole REST document for a resource table. */
export function buildRestOpenApi(resources: readonly ResourceDefinition[]): Record<string, unknown> {
  const paths: Record<string, Operation> = { ...fixedPaths };
  for (const def of resources) Object.assign(paths, resourcePaths(def));
  return {
    openapi: '3.0.3',
    info: {
      title: 'kubemock',
      version: '0.1.0',
      description: 'The Kubernetes API as kubemock serves it. Every kind shares one generic handler: the paths below are generated from the resource table (api/resources.ts).',
    },
    tags: [...new Set(resources.map((d) => apiVersionOf(d)))].map((name) => ({ name })).concat([{ name: 'discovery' }, { name: 'openapi' }, { name: 'health' }]),
    paths,
    components: {
      schemas: {
        Object: { type: 'object', description: 'A Kubernetes object: apiVersion, kind, metadata, and the kind\'s own fields.', additionalProperties: true, properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', additionalProperties: true } } },
        List: { type: 'object', additionalProperties: true, properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object', properties: { resourceVersion: { type: 'string' }, continue: { type: 'string' }, remainingItemCount: { type: 'integer' } } }, items: { type: 'array', items: ref('Object') } } },
        DeleteOptions: { type: 'object', properties: { gracePeriodSeconds: { type: 'integer' }, propagationPolicy: { type: 'string', enum: ['Orphan', 'Background', 'Foreground'] }, preconditions: { type: 'object', properties: { uid: { type: 'string' }, resourceVersion: { type: 'string' } } }, dryRun: { type: 'array', items: { type: 'string' } } } },
        Status: { type: 'object', properties: { kind: { type: 'string', enum: ['Status'] }, apiVersion: { type: 'string' }, status: { type: 'string', enum: ['Success', 'Failure'] }, message: { type: 'string' }, reason: { type: 'string' }, code: { type: 'integer' }, details: { type: 'object', additionalProperties: true } } },
      },
    },
  };
}

/** Hop-by-hop headers the outer reply sets itself. */
const UNFORWARDED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

/**
 * Serves openapi.yaml with @fastify/swagger (static mode) and its docs page at /docs. Loading
 * swagger-ui (and @fastify/static, which globs its files) costs a good part of start-up, and most
 * runs never open the page: both load into an inner, never-listening Fastify instance on the first
 * /docs request, which the outer routes forward to with inject().
 */
export async function restDocsRoutes(app: FastifyInstance, options: { document: Record<string, unknown> | (() => Record<string, unknown>) }): Promise<void> {
  let docs: Promise<FastifyInstance> | undefined;
  const load = async (): Promise<FastifyInstance> => {
    const [{ default: Fastify }, { default: swagger }] = await Promise.all([import('fastify'), import('@fastify/swagger')]);
    const swaggerUi = requireExternal('@fastify/swagger-ui') as typeof import('@fastify/swagger-ui').default;
    const document = typeof options.document === 'function' ? options.document() : options.document;
    const inner = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await inner.register(swagger, { mode: 'static', specification: { document: document as never } });
    await inner.register(swaggerUi, { routePrefix: '/docs' });
    await inner.ready();
    return inner;
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    docs ??= load().catch((err: unknown) => {
      docs = undefined;
      throw err;
    });
    const inner = await docs;
    // HEAD is the GET without a body: the outer route drops the body and keeps its length.
    const res = await inner.inject({ method: 'GET', url: request.url, headers: request.headers });
    // Paths the docs do not serve get the server's own 404 Status, as before.
    if (res.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !UNFORWARDED_HEADERS.has(name)) reply.header(name, value);
    return reply.code(res.statusCode).send(res.rawPayload);
  };
  app.get('/docs', forward);
  app.get('/docs/*', forward);
  app.addHook('onClose', async () => {
    if (docs) await (await docs.catch(() => undefined))?.close();
  });
}
