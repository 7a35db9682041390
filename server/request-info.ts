// What a request asks for, read from its method and URL alone as k8s.io/apiserver's
// RequestInfoFactory reads it: authorization and metrics both label requests with it.

/** Upstream's RequestInfo: the verb is the authorization verb (get, list, watch, create, update, patch, delete, deletecollection). */
export interface RequestInfo {
  isResourceRequest: boolean;
  /** The URL path without the query. */
  path: string;
  /** For resource requests the authorization verb; otherwise the lowercased HTTP method. */
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

type Query = Record<string, string | string[] | undefined>;

function first(query: Query, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[0] : v;
}

/** Go's Convert_Slice_string_To_bool for ?watch: absent is false, "0"/"false" false, anything else true. */
function watchRequested(query: Query): boolean {
  const v = first(query, 'watch');
  return v !== undefined && !['0', 'false'].includes(v.toLowerCase());
}

/** The name an exact `metadata.name=` field selector pins, as upstream's RequiresExactMatch finds it. */
function nameFromFieldSelector(selector: string | undefined): string | undefined {
  if (!selector) return undefined;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && m[1] && m[1] !== '.' && m[1] !== '..' && !/[/%]/.test(m[1])) return m[1];
  }
  return undefined;
}

/** Parses method and URL into upstream's RequestInfo. Never throws. */
export function requestInfo(method: string, url: string, query: Query = {}): RequestInfo {
  const path = url.split('?')[0]!;
  const info: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
  let parts: string[];
  try {
    parts = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return info;
  }
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  let rest = parts.slice(1);
  if (parts[0] === 'apis') {
    if (rest.length < 3) return info;
    info.apiGroup = rest[0]!;
    rest = rest.slice(1);
  }
  info.isResourceRequest = true;
  info.apiVersion = rest[0]!;
  rest = rest.slice(1);
  info.verb = METHOD_VERBS[method] ?? '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    info.namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';
  if (info.name === '' && info.verb === 'get') {
    info.verb = watchRequested(query) ? 'watch' : 'list';
    info.name = nameFromFieldSelector(first(query, 'fieldSelector')) ?? '';
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** The resource as messages and metrics name it: `pods`, `daemonsets.apps`. */
export function groupResource(info: Pick<RequestInfo, 'apiGroup' | 'resource'>): string {
  return info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
}
