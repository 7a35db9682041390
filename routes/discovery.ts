// Discovery: /api, /apis (legacy and aggregated apidiscovery.k8s.io v2/v2beta1), the per-group
// and per-version documents, and /version, all derived from the resource table.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from '../api/registry.js';
import type { ResourceDefinition } from '../api/types.js';

/** What /version reports: a recent minor, so kubectl 1.27–1.33 print no skew warning beyond upstream's. */
export const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-kubemock',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-28T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

interface GroupVersion {
  group: string;
  version: string;
  resources: ResourceDefinition[];
}

/** Group versions in the order the table lists them (core first). */
function groupVersions(registry: Registry): GroupVersion[] {
  const out: GroupVersion[] = [];
  for (const def of registry.resources) {
    let gv = out.find((g) => g.group === def.group && g.version === def.version);
    if (!gv) out.push((gv = { group: def.group, version: def.version, resources: [] }));
    gv.resources.push(def);
  }
  return out;
}

function storageVersionHash(def: ResourceDefinition): string {
  return createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest('base64').slice(0, 11);
}

/** The legacy APIResourceList of one group version, or undefined when nothing is served there. */
export function apiResourceList(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const gv = groupVersions(registry).find((g) => g.group === group && g.version === version);
  if (!gv) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const def of gv.resources) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: def.verbs,
      ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
      ...(def.categories.length ? { categories: def.categories } : {}),
      storageVersionHash: storageVersionHash(def),
    });
    for (const sub of def.subresources) {
      resources.push({
        name: `${def.plural}/${sub.name}`,
        singularName: '',
        namespaced: def.namespaced,
        ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function groupEntry(group: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

export function apiGroupDocument(registry: Registry, group: string): Record<string, unknown> | undefined {
  const versions = groupVersions(registry).filter((g) => g.group === group).map((g) => g.version);
  if (!group || versions.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

function apiGroupList(registry: Registry): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions(registry)) {
    if (!gv.group) continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([g, v]) => groupEntry(g, v)) };
}

/** The aggregated discovery document (the same body for v2 and v2beta1 but for apiVersion). */
function aggregatedDiscovery(registry: Registry, core: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const byGroup = new Map<string, GroupVersion[]>();
  for (const gv of groupVersions(registry)) {
    if ((gv.group === '') !== core) continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv]);
  }
  const items = [...byGroup].map(([group, gvs]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: gvs.map((gv) => ({
      version: gv.version,
      freshness: 'Current',
      resources: gv.resources.map((def) => ({
        resource: def.plural,
        responseKind: { group: def.group, version: def.version, kind: def.kind },
        scope: def.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: def.singular,
        verbs: def.verbs,
        ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
        ...(def.categories.length ? { categories: def.categories } : {}),
        ...(def.subresources.length
          ? {
              subresources: def.subresources.map((sub) => ({
                subresource: sub.name,
                responseKind: { group: sub.group ?? def.group, version: sub.version ?? def.version, kind: sub.kind },
                verbs: sub.verbs,
              })),
            }
          : {}),
      })),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** The aggregated discovery version the client asked for first, if any (clients decide by Content-Type). */
export function aggregatedVersionAccepted(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const range of (accept ?? '').split(',')) {
    const params = new Map(
      range
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('g') === 'apidiscovery.k8s.io' && params.get('as') === 'APIGroupDiscoveryList') {
      const v = params.get('v');
      if (v === 'v2' || v === 'v2beta1') return v;
    }
    // A plain media type earlier in the list wins over aggregated entries after it.
    const type = range.split(';')[0]!.trim();
    if ((type === 'application/json' || type === '*/*') && !params.has('as')) return undefined;
  }
  return undefined;
}

function sendDiscovery(reply: FastifyReply, request: FastifyRequest, registry: Registry, core: boolean, legacy: () => unknown): unknown {
  const version = aggregatedVersionAccepted(request.headers.accept);
  if (!version) return legacy();
  // Clients tell the formats apart only by this exact Content-Type, which Fastify would rewrite
  // (quoting parameters, adding a charset): write the response directly.
  const body = JSON.stringify(aggregatedDiscovery(registry, core, version));
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    'content-length': Buffer.byteLength(body),
    vary: 'Accept',
  });
  reply.raw.end(body);
  return undefined;
}

export async function discoveryRoutes(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  const { registry } = options;
  app.get('/api', async (request, reply) =>
    sendDiscovery(reply, request, registry, true, () => {
      const host = request.headers.host ?? `${request.hostname}`;
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
    }),
  );
  app.get('/apis', async (request, reply) => sendDiscovery(reply, request, registry, false, () => apiGroupList(registry)));
  app.get('/version', async () => SERVER_VERSION);
}
