// What a request asks for, read from its method and URL alone as k8s.io/apiserver's
// RequestInfoFactory reads it: authorization and metrics both label requests with it. Parsed once
// per request (request.parsed) and shared by the hooks and the handler.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from '../api/registry.js';
import { targetOf, type RequestTarget } from '../routes/faults.js';
import { resourcePathOf, urlSegments, type ResourcePath } from '../routes/resources.js';

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
  let parts: string[] | undefined;
  try {
    parts = urlSegments(url);
  } catch {
    parts = undefined;
  }
  return requestInfoOf(method, url, parts, query);
}

/** requestInfo from the URL's segments (urlSegments; undefined when an escape is malformed). */
function requestInfoOf(method: string, url: string, parts: readonly string[] | undefined, query: Query): RequestInfo {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const info: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
  if (!parts || parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  // i walks the segments after /api or /apis/<group>.
  let i = 1;
  if (parts[0] === 'apis') {
    if (parts.length < 4) return info;
    info.apiGroup = parts[1]!;
    i = 2;
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[i++]!;
  info.verb = METHOD_VERBS[method] ?? '';
  if (parts[i] === 'namespaces' && parts.length - i > 1) {
    info.namespace = parts[i + 1]!;
    if (parts.length - i > 2 && !NAMESPACE_SUBRESOURCES.has(parts[i + 2]!)) i += 2;
  }
  info.resource = parts[i] ?? '';
  info.name = parts[i + 1] ?? '';
  info.subresource = parts[i + 2] ?? '';
  if (info.name === '' && info.verb === 'get') {
    info.verb = watchRequested(query) ? 'watch' : 'list';
    info.name = nameFromFieldSelector(first(query, 'fieldSelector')) ?? '';
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/**
 * Upstream's BasicLongRunningRequestCheck as kube-apiserver configures it: a watch or proxy, or
 * one of the streaming subresources. Such a request is ResponseStarted while it streams.
 */
export function isLongRunning(info: RequestInfo): boolean {
  return info.isResourceRequest && (info.verb === 'watch' || info.verb === 'proxy' || LONG_RUNNING_SUBRESOURCES.has(info.subresource));
}

/** The resource as messages and metrics name it: `pods`, `daemonsets.apps`. */
export function groupResource(info: Pick<RequestInfo, 'apiGroup' | 'resource'>): string {
  return info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
}

const UNSET: unique symbol = Symbol('unset');

/**
 * What one request asks for, parsed from its method and URL at most once, by whichever hook or
 * handler asks first, and shared by all of them (request.parsed): upstream's RequestInfo for
 * authorization and metrics, the resource path against the resource table for the handler, and
 * the FaultRule target for fault injection and the request log.
 */
export class ParsedRequest {
  // UNSET until worked out: no wrapper object per value, as one ParsedRequest is made per request.
  private segmentsMemo: string[] | undefined | typeof UNSET = UNSET;
  private segmentsError: unknown = undefined;
  private infoMemo: RequestInfo | typeof UNSET = UNSET;
  private pathMemo: ResourcePath | 'discovery' | undefined | typeof UNSET = UNSET;
  private targetMemo: RequestTarget | undefined | typeof UNSET = UNSET;

  constructor(
    private readonly request: FastifyRequest,
    private readonly registry: Registry,
  ) {}

  /** The URL's segments; undefined when unescaping them threw (segmentsError). */
  private get segments(): string[] | undefined {
    if (this.segmentsMemo === UNSET) {
      try {
        this.segmentsMemo = urlSegments(this.request.url);
      } catch (error) {
        this.segmentsError = error;
        this.segmentsMemo = undefined;
      }
    }
    return this.segmentsMemo;
  }

  /** Upstream's RequestInfo. */
  get info(): RequestInfo {
    if (this.infoMemo === UNSET) this.infoMemo = requestInfoOf(this.request.method, this.request.url, this.segments, this.request.query as Query);
    return this.infoMemo;
  }

  /** The URL as a resource path (see parseResourcePath); throws what parsing threw (a malformed escape). */
  get resourcePath(): ResourcePath | 'discovery' | undefined {
    if (this.pathMemo === UNSET) {
      const segments = this.segments;
      if (segments === undefined) throw this.segmentsError;
      this.pathMemo = resourcePathOf(this.registry, segments);
    }
    return this.pathMemo;
  }

  /** What a FaultRule matches the request by; undefined for anything but a resource request (and for a malformed path). */
  get target(): RequestTarget | undefined {
    if (this.targetMemo === UNSET) {
      let path: ResourcePath | 'discovery' | undefined;
      try {
        path = this.resourcePath;
      } catch {
        path = undefined; // a malformed path is the handler's to refuse
      }
      this.targetMemo = path && path !== 'discovery' ? targetOf(path, this.request.method, this.request.query as Query) : undefined;
    }
    return this.targetMemo;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request asks for, parsed once (installRequestParsing). */
    readonly parsed: ParsedRequest;
  }
}

const PARSED = Symbol('kubemock.parsed');

/** Decorates every request with `parsed`, made on first use; call before any hook that reads it. */
export function installRequestParsing(app: FastifyInstance, registry: Registry): void {
  app.decorateRequest(PARSED as never, null as never);
  app.decorateRequest('parsed', {
    getter(this: FastifyRequest & { [PARSED]: ParsedRequest | null }) {
      return (this[PARSED] ??= new ParsedRequest(this, registry));
    },
  } as never);
}
