// Kubernetes-shaped OpenAPI for clients: /openapi/v3 (root plus one document per group version,
// at hashed, immutable URLs) and /openapi/v2 (an empty protobuf Document, which is all kubectl 1.27
// and 1.28 need before they move on to v3). Built from the resource table.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../api/registry.js';
import type { ResourceDefinition } from '../api/types.js';
import { componentSchemas, schemaRefName } from '../api/openapi-schemas.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMETERS = {
  fieldValidation: { name: 'fieldValidation', in: 'query', description: 'How the server treats unknown or duplicate fields: Ignore, Warn or Strict.', schema: { type: 'string', uniqueItems: true } },
  fieldManager: { name: 'fieldManager', in: 'query', description: 'The name of the actor making the change.', schema: { type: 'string', uniqueItems: true } },
  dryRun: { name: 'dryRun', in: 'query', description: 'When set to All, the request is processed but not persisted.', schema: { type: 'string', uniqueItems: true } },
  force: { name: 'force', in: 'query', description: 'Server-side apply: take ownership of conflicting fields.', schema: { type: 'boolean', uniqueItems: true } },
} as const;

const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/** The paths of one resource, with the operations kubectl inspects (PATCH with fieldValidation). */
function resourcePaths(def: ResourceDefinition): Record<string, unknown> {
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const base = `/${gvPath(def.group, def.version)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
  const ref = { $ref: `#/components/schemas/${schemaRefName(def)}` };
  const body = { content: { 'application/json': { schema: ref } } };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const operation = (verb: string, action: string, extra: Record<string, unknown> = {}) => ({
    description: `${verb} ${def.kind}`,
    operationId: `${action}${def.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    responses: ok,
    ...extra,
  });
  const writeParams = [QUERY_PARAMETERS.dryRun, QUERY_PARAMETERS.fieldManager, QUERY_PARAMETERS.fieldValidation];
  const params = [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, ...(def.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [])];
  const item = {
    get: operation('read the specified', 'get'),
    put: operation('replace the specified', 'put', { parameters: writeParams, requestBody: body }),
    patch: operation('partially update the specified', 'patch', {
      parameters: [...writeParams, QUERY_PARAMETERS.force],
      requestBody: { content: Object.fromEntries(PATCH_MEDIA_TYPES.map((t) => [t, { schema: { type: 'object' } }])), required: true },
    }),
    delete: operation('delete a', 'delete'),
    parameters: params,
  };
  const collection = {
    get: operation('list or watch objects of kind', 'list'),
    post: operation('create a', 'post', { parameters: writeParams, requestBody: body }),
    ...(def.namespaced ? { parameters: [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] } : {}),
  };
  const paths: Record<string, unknown> = { [base]: collection, [`${base}/{name}`]: item };
  if (def.subresources.some((s) => s.name === 'status')) {
    paths[`${base}/{name}/status`] = {
      get: operation('read status of the specified', 'get'),
      put: operation('replace status of the specified', 'put', { parameters: writeParams, requestBody: body }),
      patch: operation('partially update status of the specified', 'patch', {
        parameters: [...writeParams, QUERY_PARAMETERS.force],
        requestBody: { content: Object.fromEntries(PATCH_MEDIA_TYPES.map((t) => [t, { schema: { type: 'object' } }])), required: true },
      }),
      parameters: params,
    };
  }
  return paths;
}

interface V3Document {
  body: string;
  hash: string;
}

/** Builds every per-group-version v3 document once (they change only with the code). */
function buildV3Documents(registry: Registry): Map<string, V3Document> {
  const byGv = new Map<string, ResourceDefinition[]>();
  for (const def of registry.resources) {
    const key = gvPath(def.group, def.version);
    byGv.set(key, [...(byGv.get(key) ?? []), def]);
  }
  const docs = new Map<string, V3Document>();
  for (const [key, defs] of byGv) {
    const paths: Record<string, unknown> = {};
    for (const def of defs) Object.assign(paths, resourcePaths(def));
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.31.0-kubemock' },
      paths,
      components: { schemas: componentSchemas(defs) },
    };
    const body = JSON.stringify(doc);
    docs.set(key, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }
  return docs;
}

export async function openApiRoutes(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  const docs = buildV3Documents(options.registry);
  app.get('/openapi/v3', async () => ({
    paths: Object.fromEntries([...docs].map(([key, doc]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` }])),
  }));
  app.get<{ Params: { '*': string }; Querystring: { hash?: string } }>('/openapi/v3/*', async (request, reply) => {
    const doc = docs.get(request.params['*']);
    if (!doc) return reply.callNotFound();
    if (request.query.hash === doc.hash) {
      reply.header('cache-control', 'public, immutable').header('expires', new Date(Date.now() + 365 * 86400_000).toUTCString());
    } else {
      reply.header('cache-control', 'no-cache, private');
    }
    return reply.type('application/json').send(doc.body);
  });
  // kubectl 1.27/1.28 insist on a protobuf v2 document first; an empty message is a valid, empty
  // Document, after which they use v3. The dotted media type is the one Go's MIME parser accepts.
  const v2 = async (request: { headers: { accept?: string } }, reply: import('fastify').FastifyReply) => {
    if ((request.headers.accept ?? '').includes('protobuf')) {
      return reply.type('application/com.github.proto-openapi.spec.v2.v1.0+protobuf').send(Buffer.alloc(0));
    }
    return reply.type('application/json').send({ swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.31.0-kubemock' }, paths: {}, definitions: {} });
  };
  app.get('/openapi/v2', v2);
  app.get('/swagger-2.0.0.pb-v1', v2);
}
