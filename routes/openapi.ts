// Kubernetes-shaped OpenAPI for clients: /openapi/v3 (root plus one document per group version,
// at hashed, immutable URLs) and /openapi/v2 (an empty protobuf Document, which is all kubectl 1.27
// and 1.28 need before they move on to v3). Paths come from the resource table, component schemas
// from api/openapi-schemas.ts (generated from kubernetes-types).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../api/registry.js';
import type { ResourceDefinition, SubresourceDefinition } from '../api/types.js';
import { componentSchemas, kindSchemaName, schemaRefName } from '../api/openapi-schemas.js';

const SERVER_VERSION = 'v1.31.0-kubemock';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

type Parameter = { name: string; in: 'query' | 'path'; description: string; required?: boolean; schema: Record<string, unknown> };

const query = (name: string, type: 'string' | 'boolean' | 'integer', description: string): Parameter => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const P = {
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'Asks a watch for BOOKMARK events, which carry only a resourceVersion; the server may send them at any time.'),
  continue: query('continue', 'string', 'The opaque token from the previous page of a limited list; the server answers the next page.'),
  fieldSelector: query('fieldSelector', 'string', 'Restricts the answer to objects whose fields match, e.g. metadata.name=web-1. Defaults to everything.'),
  labelSelector: query('labelSelector', 'string', 'Restricts the answer to objects whose labels match, e.g. app=agent,tier!=db. Defaults to everything.'),
  limit: query('limit', 'integer', 'The largest number of items to answer; when more remain, metadata.continue carries a token for the next page.'),
  resourceVersion: query('resourceVersion', 'string', 'Which version of the data a list or watch starts from; "0" means any cached version, unset means the latest.'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'With watch=true: first replay the current objects as ADDED events, then a BOOKMARK annotated k8s.io/initial-events-end.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Ends a list or watch call after this many seconds.'),
  watch: query('watch', 'boolean', 'Streams add, update and delete events instead of answering a list.'),
  dryRun: query('dryRun', 'string', 'When set to All, the request is processed and validated but nothing is persisted.'),
  fieldManager: query('fieldManager', 'string', 'The name of the actor making the change, recorded in metadata.managedFields; at most 128 characters.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'What the server does with fields of the body that the schema does not know and with fields given twice: Ignore drops them silently, Warn drops them and answers one Warning header per field (the default), Strict rejects the request.',
  ),
  force: query('force', 'boolean', 'Server-side apply only: take over fields other managers own instead of failing with a conflict.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds the object has to shut down before it is removed; 0 removes it at once.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. true orphans the dependents, false deletes them in the background.'),
  propagationPolicy: query('propagationPolicy', 'string', 'What happens to dependents: Orphan keeps them, Background deletes them afterwards, Foreground deletes them first.'),
  container: query('container', 'string', 'The container to read the log of; may be omitted when the pod has one container.'),
  follow: query('follow', 'boolean', 'Keeps the response open and streams new log lines as they are written.'),
  limitBytes: query('limitBytes', 'integer', 'Stops the log after this many bytes.'),
  previous: query('previous', 'boolean', 'Reads the log of the previous, terminated instance of the container.'),
  sinceSeconds: query('sinceSeconds', 'integer', 'Only lines written during the last this many seconds.'),
  tailLines: query('tailLines', 'integer', 'Only the last this many lines.'),
  timestamps: query('timestamps', 'boolean', 'Prefixes every line with its RFC 3339 timestamp.'),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];
const LOG_PARAMS = [P.container, P.follow, P.limitBytes, P.previous, P.sinceSeconds, P.tailLines, P.timestamps];

const pathParam = (name: 'name' | 'namespace', description: string): Parameter => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });
const NAME = pathParam('name', 'The name of the object.');
const NAMESPACE = pathParam('namespace', 'The namespace of the objects; an object name is unique within it.');

const PATCH_MEDIA_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const refTo = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const content = (schema: Record<string, unknown>, types = ['application/json', 'application/yaml']) => Object.fromEntries(types.map((t) => [t, { schema }]));
const responses = (codes: string[], schemaName: string) => ({
  ...Object.fromEntries(codes.map((code) => [code, { description: ({ '200': 'OK', '201': 'Created', '202': 'Accepted' } as Record<string, string>)[code], content: content(refTo(schemaName)) }])),
  '401': { description: 'Unauthorized' },
});

/** operationId prefix and tag of a group version: AppsV1 / apps_v1, CoreV1 / core_v1. */
function naming(group: string, version: string): { prefix: string; tag: string } {
  const base = group === '' ? 'core' : group.split('.')[0]!;
  return { prefix: `${base[0]!.toUpperCase()}${base.slice(1)}${version[0]!.toUpperCase()}${version.slice(1)}`, tag: `${base}_${version}` };
}

/** The paths of one resource and its subresources, each operation as upstream's generator shapes it. */
function resourcePaths(def: ResourceDefinition): Record<string, Record<string, unknown>> {
  const { prefix, tag } = naming(def.group, def.version);
  const gvk = { group: def.group, kind: def.kind, version: def.version };
  const scope = def.namespaced ? 'Namespaced' : '';
  const kindSchema = schemaRefName(def);
  const listSchema = kindSchemaName(def.group, def.version, def.listKind);
  const root = `/${gvPath(def.group, def.version)}`;
  const collection = `${root}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
  const scopeParams = def.namespaced ? [NAMESPACE] : [];
  const op = (action: string, verb: string, description: string, extra: Record<string, unknown>, kind = gvk) => ({
    description,
    operationId: `${verb}${prefix}${extra.operationSuffix ?? `${scope}${def.kind}`}`,
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'operationSuffix')),
    tags: [tag],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kind,
  });
  const can = (verb: string) => def.verbs.includes(verb as never);
  const paths: Record<string, Record<string, unknown>> = {};

  const coll: Record<string, unknown> = {};
  if (can('list')) {
    coll.get = op('list', 'list', `list or watch objects of kind ${def.kind}`, {
      parameters: LIST_PARAMS,
      responses: { '200': { description: 'OK', content: content(refTo(listSchema), ['application/json', 'application/yaml', 'application/json;stream=watch']) }, '401': { description: 'Unauthorized' } },
    });
  }
  if (can('create')) {
    coll.post = op('post', 'create', `create a ${def.kind}`, {
      parameters: WRITE_PARAMS,
      requestBody: { content: content(refTo(kindSchema)), required: true },
      responses: responses(['200', '201', '202'], kindSchema),
    });
  }
  if (can('deletecollection')) {
    coll.delete = op('deletecollection', 'delete', `delete collection of ${def.kind}`, {
      operationSuffix: `Collection${scope}${def.kind}`,
      parameters: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS],
      requestBody: { content: content(refTo(`${META}.DeleteOptions`)) },
      responses: responses(['200'], `${META}.Status`),
    });
  }
  if (Object.keys(coll).length) paths[collection] = { ...coll, parameters: scopeParams };

  const item: Record<string, unknown> = {};
  if (can('get')) item.get = op('get', 'read', `read the specified ${def.kind}`, { responses: responses(['200'], kindSchema) });
  if (can('update')) {
    item.put = op('put', 'replace', `replace the specified ${def.kind}`, {
      parameters: WRITE_PARAMS,
      requestBody: { content: content(refTo(kindSchema)), required: true },
      responses: responses(['200', '201'], kindSchema),
    });
  }
  if (can('patch')) {
    item.patch = op('patch', 'patch', `partially update the specified ${def.kind}`, {
      parameters: PATCH_PARAMS,
      requestBody: { content: content(refTo(`${META}.Patch`), PATCH_MEDIA_TYPES), required: true },
      responses: responses(['200', '201'], kindSchema),
    });
  }
  if (can('delete')) {
    item.delete = op('delete', 'delete', `delete a ${def.kind}`, {
      parameters: DELETE_PARAMS,
      requestBody: { content: content(refTo(`${META}.DeleteOptions`)) },
      responses: responses(['200', '202'], def.returnDeletedObject ? kindSchema : `${META}.Status`),
    });
  }
  if (Object.keys(item).length) paths[`${collection}/{name}`] = { ...item, parameters: [NAME, ...scopeParams] };

  // A namespaced kind can also be listed across all namespaces.
  if (def.namespaced && can('list')) {
    paths[`${root}/${def.plural}`] = {
      get: op('list', 'list', `list or watch objects of kind ${def.kind}`, {
        operationSuffix: `${def.kind}ForAllNamespaces`,
        responses: { '200': { description: 'OK', content: content(refTo(listSchema), ['application/json', 'application/yaml', 'application/json;stream=watch']) }, '401': { description: 'Unauthorized' } },
      }),
      parameters: LIST_PARAMS,
    };
  }

  for (const sub of def.subresources) Object.assign(paths, subresourcePaths(def, sub, collection, scopeParams, op));
  return paths;
}

type OperationBuilder = (action: string, verb: string, description: string, extra: Record<string, unknown>, kind?: { group: string; kind: string; version: string }) => Record<string, unknown>;

function subresourcePaths(def: ResourceDefinition, sub: SubresourceDefinition, collection: string, scopeParams: Parameter[], op: OperationBuilder): Record<string, Record<string, unknown>> {
  const scope = def.namespaced ? 'Namespaced' : '';
  const suffix = `${scope}${def.kind}${sub.name[0]!.toUpperCase()}${sub.name.slice(1)}`;
  const group = sub.group ?? def.group;
  const version = sub.version ?? def.version;
  const bodySchema = kindSchemaName(group, version, sub.kind);
  const kind = { group, kind: sub.kind, version };
  const path = `${collection}/{name}/${sub.name}`;
  const ops: Record<string, unknown> = {};
  if (sub.name === 'log') {
    ops.get = op('get', 'read', `read log of the specified ${def.kind}`, {
      operationSuffix: suffix,
      parameters: LOG_PARAMS,
      responses: { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': { description: 'Unauthorized' } },
    }, kind);
  } else {
    if (sub.verbs.includes('get')) ops.get = op('get', 'read', `read ${sub.name} of the specified ${def.kind}`, { operationSuffix: suffix, responses: responses(['200'], bodySchema) }, kind);
    if (sub.verbs.includes('update')) {
      ops.put = op('put', 'replace', `replace ${sub.name} of the specified ${def.kind}`, {
        operationSuffix: suffix,
        parameters: WRITE_PARAMS,
        requestBody: { content: content(refTo(bodySchema)), required: true },
        responses: responses(['200', '201'], bodySchema),
      }, kind);
    }
    if (sub.verbs.includes('patch')) {
      ops.patch = op('patch', 'patch', `partially update ${sub.name} of the specified ${def.kind}`, {
        operationSuffix: suffix,
        parameters: PATCH_PARAMS,
        requestBody: { content: content(refTo(`${META}.Patch`), PATCH_MEDIA_TYPES), required: true },
        responses: responses(['200', '201'], bodySchema),
      }, kind);
    }
    if (sub.verbs.includes('create')) {
      ops.post = op('post', 'create', `create ${sub.name} of a ${def.kind}`, {
        operationSuffix: suffix,
        parameters: WRITE_PARAMS,
        requestBody: { content: content(refTo(bodySchema)), required: true },
        responses: responses(['200', '201', '202'], bodySchema),
      }, kind);
    }
  }
  return { [path]: { ...ops, parameters: [pathParam('name', `The name of the ${def.kind}.`), ...scopeParams] } };
}

interface V3Document {
  body: string;
  hash: string;
}

/** The per-group-version v3 documents, keyed `api/v1`, `apis/apps/v1`, ... */
export function buildV3Documents(resources: readonly ResourceDefinition[]): Map<string, V3Document> {
  const byGv = new Map<string, ResourceDefinition[]>();
  for (const def of resources) {
    const key = gvPath(def.group, def.version);
    byGv.set(key, [...(byGv.get(key) ?? []), def]);
  }
  const docs = new Map<string, V3Document>();
  for (const [key, defs] of byGv) {
    const paths: Record<string, unknown> = {
      [`/${key}/`]: {
        get: {
          description: 'get available resources',
          operationId: `get${naming(defs[0]!.group, defs[0]!.version).prefix}APIResources`,
          responses: responses(['200'], `${META}.APIResourceList`),
          tags: [naming(defs[0]!.group, defs[0]!.version).tag],
        },
      },
    };
    for (const def of defs) Object.assign(paths, resourcePaths(def));
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: SERVER_VERSION },
      paths,
      components: {
        securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
        schemas: componentSchemas(defs),
      },
    };
    const body = JSON.stringify(doc);
    docs.set(key, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }
  return docs;
}

export async function openApiRoutes(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  // Built on first use: serialising and hashing every group version's document is start-up time
  // that a process serving no kubectl (explain, apply's validation) never needs.
  let built: Map<string, V3Document> | undefined;
  const documents = () => (built ??= buildV3Documents(options.registry.resources));
  app.get('/openapi/v3', async () => ({
    paths: Object.fromEntries([...documents()].map(([key, doc]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` }])),
  }));
  app.get<{ Params: { '*': string }; Querystring: { hash?: string } }>('/openapi/v3/*', async (request, reply) => {
    const doc = documents().get(request.params['*']);
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
    return reply.type('application/json').send({ swagger: '2.0', info: { title: 'Kubernetes', version: SERVER_VERSION }, paths: {}, definitions: {} });
  };
  app.get('/openapi/v2', v2);
  app.get('/swagger-2.0.0.pb-v1', v2);
}
