// The generic registry (k8s.io/apiserver pkg/registry/generic): every verb written once for every
// kind, with per-kind behaviour from strategies. HTTP handlers and in-process controllers both
// write through it, so validation, defaults, preconditions and watch events apply to both.
import { randomInt } from 'node:crypto';
import { clone, isPlainObject, jsonEqual, writableCopy, type KubeObject } from '../store/object.js';
import { formatTimestamp, type ObjectStore, type StoreEvent, type StoreWatch } from '../store/store.js';
import {
  StatusError,
  badRequest,
  conflict,
  forbidden,
  gone,
  invalid,
  methodNotAllowed,
  notFound,
  successStatus,
  type ResourceRef,
  type StatusObject,
} from '../store/status-error.js';
import { parseFieldSelector, parseLabelSelector, type FieldSelectorPredicate, type LabelSelectorPredicate } from '../store/selectors.js';
import { forbiddenField, notSupported, toCauses, type FieldError } from './field-errors.js';
import { DecodeError, checkDecodable } from './wire-decode.js';
import { keepManagedFieldsTimestamps, recordManagedFields } from './managed-fields.js';
import { apiVersionOf, type ResourceDefinition, type StrategyContext } from './types.js';
import { validateObjectMetaCreate, validateObjectMetaUpdate } from './validation.js';

export type WatchEventKind = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Who is asking and how: the parts of a request's options every verb honours. */
export interface RequestOptions {
  dryRun?: boolean;
  /** Who writes, for metadata.managedFields; in-process writes without one are not tracked. */
  fieldManager?: string;
  /** The write is a server-side apply whose mutator already recorded metadata.managedFields. */
  serverSideApply?: boolean;
  /**
   * The write comes from kubemock's own typed code (a controller, the binding handler), not from
   * a client's JSON, so nothing in it can have a JSON type the kind's Go structs would refuse: it
   * is not decode-checked. A create's body is handed over (a fresh object the caller no longer
   * uses), so it is not copied either. A patch's mutator gets a writableCopy of the stored object
   * rather than a deep clone: it replaces what it changes below metadata, spec and status, never
   * edits it in place.
   */
  internal?: boolean;
}

export interface PatchOptions extends RequestOptions {
  subresource?: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  /** Only for watches: a list that carries it is refused, as upstream. */
  sendInitialEvents?: boolean;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchRequest {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

/** Where a watch delivers; the registry calls it synchronously, in order. */
export interface WatchSink {
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  bookmark(resourceVersion: string, annotations?: Record<string, string>): void;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** The outcome of a delete: gone at once (a Success Status) or pending (the object, with deletionTimestamp). */
export type DeleteResult = { deleted: true; status: StatusObject; object: KubeObject } | { deleted: false; object: KubeObject };

/** A function that turns the current object into the desired one (patches, read-modify-write). */
export type Mutator = (current: KubeObject) => KubeObject;

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATE_NAME_PREFIX = 58;

/** Appends 5 random characters to a generateName prefix, as upstream's SimpleNameGenerator does. */
export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_ALPHABET[randomInt(GENERATE_NAME_ALPHABET.length)];
  return prefix.slice(0, MAX_GENERATE_NAME_PREFIX) + suffix;
}

export function refOf(def: ResourceDefinition): ResourceRef {
  return { group: def.group, resource: def.plural };
}

const NAMESPACES: ResourceRef = { group: '', resource: 'namespaces' };

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string') return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw badRequest(`invalid continue token: continue key is not valid: ${JSON.stringify(text)}`);
}

/** Where a memory source reports a change; previous is the object before a MODIFIED. */
export type SourceListener = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject, previous?: KubeObject) => void;

/** Objects of a kind kept in memory by someone else (cluster-scoped, sorted by name). */
export interface ObjectSource {
  list(): readonly KubeObject[];
  get(name: string): KubeObject | undefined;
  /** The source's own resourceVersion, which its lists carry; without it, the store's. */
  resourceVersion?(): number;
  /**
   * Makes the source watchable: replays the changes after fromResourceVersion (undefined: none),
   * then reports each change until stopped; throws 410 Gone when that resourceVersion is too old.
   */
  subscribe?(fromResourceVersion: number | undefined, listener: SourceListener): StoreWatch;
}

/** Sends one change to a watch through its selector, as upstream's watch cache does: an object that starts or stops matching is ADDED or DELETED. */
function deliverFiltered(sink: WatchSink, matches: (obj: KubeObject) => boolean, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject, previous: KubeObject | undefined): void {
  const now = matches(object);
  const before = previous !== undefined && type !== 'ADDED' && matches(previous);
  if (type === 'DELETED') {
    if (before || now) sink.event('DELETED', object);
  } else if (now && before) sink.event('MODIFIED', object);
  else if (now) sink.event('ADDED', object);
  else if (before) sink.event('DELETED', object);
}

/** The registry over one store and one resource table. */
export class Registry {
  readonly store: ObjectStore;
  readonly resources: readonly ResourceDefinition[];
  private readonly now: () => Date;

  constructor(store: ObjectStore, resources: readonly ResourceDefinition[], now: () => Date = () => new Date()) {
    this.store = store;
    this.resources = resources;
    this.now = now;
  }

  /** Resources served from memory instead of the store (kubemock.dev RecordedRequests), by `plural.group`. */
  private readonly sources = new Map<string, ObjectSource>();

  /**
   * Serves def's get and list (and watch, when the source can be subscribed to) from source, as
   * upstream serves PodMetrics from memory: nothing is stored or persisted. The table row must
   * offer no write verbs.
   */
  serveFrom(def: ResourceDefinition, source: ObjectSource): void {
    this.sources.set(`${def.plural}.${def.group}`, source);
  }

  private sourceOf(def: ResourceDefinition): ObjectSource | undefined {
    return this.sources.size ? this.sources.get(`${def.plural}.${def.group}`) : undefined;
  }

  /** list() over a memory source: selectors, then limit and continue by name. */
  private listFromSource(def: ResourceDefinition, source: ObjectSource, options: ListOptions): ListResult {
    const sel = this.selector(def, options.labelSelector, options.fieldSelector);
    const rv = String(source.resourceVersion?.() ?? this.store.resourceVersion);
    const start = options.continue ? decodeContinue(options.continue).start : undefined;
    const matching = source.list().filter((o) => (start === undefined || objectKeyOf(o) > start) && sel.matches(o));
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    if (limit === undefined || matching.length <= limit) return { items: matching, resourceVersion: rv };
    const items = matching.slice(0, limit);
    return { items, resourceVersion: rv, continue: encodeContinue({ rv: Number(rv), start: objectKeyOf(items[limit - 1]!) }), remainingItemCount: matching.length - limit };
  }

  /** The definition serving group/version/plural, or undefined. */
  find(group: string, version: string, plural: string): ResourceDefinition | undefined {
    // Every request looks its resource up (the handler, and metrics again): maps instead of a scan
    // of the table, one level per part, so that a lookup builds no key string.
    if (this.byPath === undefined) {
      this.byPath = new Map();
      for (const r of this.resources) {
        let versions = this.byPath.get(r.group);
        if (versions === undefined) this.byPath.set(r.group, (versions = new Map()));
        let plurals = versions.get(r.version);
        if (plurals === undefined) versions.set(r.version, (plurals = new Map()));
        plurals.set(r.plural, r);
      }
    }
    return this.byPath.get(group)?.get(version)?.get(plural);
  }

  /** The resources by group, version and plural. */
  private byPath: Map<string, Map<string, Map<string, ResourceDefinition>>> | undefined;

  /** The definition of a kind, e.g. ('apps', 'DaemonSet'). */
  byKind(group: string, kind: string): ResourceDefinition {
    const def = this.resources.find((r) => r.group === group && r.kind === kind);
    if (!def) throw new Error(`no resource serves ${group}/${kind}`);
    return def;
  }

  private context(): StrategyContext {
    return { now: this.now() };
  }

  private namespaceOf(def: ResourceDefinition, namespace: string | undefined): string | undefined {
    return def.namespaced ? namespace : undefined;
  }

  get(def: ResourceDefinition, namespace: string | undefined, name: string): KubeObject {
    const source = this.sourceOf(def);
    const obj = source ? source.get(name) : this.store.get(refOf(def), this.namespaceOf(def, namespace), name);
    if (!obj) throw notFound(refOf(def), name);
    return obj;
  }

  /** Builds the predicate for list/watch selectors; throws 400 on a malformed selector. */
  selector(def: ResourceDefinition, labelSelector?: string, fieldSelector?: string): { labels: LabelSelectorPredicate; fields: FieldSelectorPredicate; matches(obj: KubeObject): boolean } {
    const labels = parseLabelSelector(labelSelector ?? '');
    const fieldValue = (obj: KubeObject) => (field: string): string => {
      if (field === 'metadata.name') return obj.metadata.name ?? '';
      if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
      return def.fieldSelectors[field]!(obj);
    };
    const fields = parseFieldSelector(fieldSelector ?? '', (f) => f === 'metadata.name' || f === 'metadata.namespace' || Object.hasOwn(def.fieldSelectors, f));
    return {
      labels,
      fields,
      matches: (obj) => (labels.empty || labels.matches(obj.metadata.labels)) && (fields.empty || fields.matches(fieldValue(obj))),
    };
  }

  list(def: ResourceDefinition, options: ListOptions = {}): ListResult {
    const source = this.sourceOf(def);
    if (source) return this.listFromSource(def, source, options);
    const ref = refOf(def);
    const sel = this.selector(def, options.labelSelector, options.fieldSelector);
    const namespace = this.namespaceOf(def, options.namespace);
    const currentRV = this.store.resourceVersion;
    this.checkListResourceVersion(options, currentRV);
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    let start: string | undefined;
    let rv = currentRV;
    if (options.continue) {
      const token = decodeContinue(options.continue);
      start = token.start;
      rv = token.rv;
    }
    const prefix = namespace === undefined ? '' : `${namespace}/`;
    // A continue page is served from the first page's snapshot (its resourceVersion), as upstream
    // serves it from etcd: objects created since do not appear, deleted or changed ones appear as
    // they were, so pages never repeat or skip an object. Past the watch log's reach that is 410.
    if (options.continue && rv < this.store.oldestResourceVersion) throw continueExpired();
    const unselective = sel.labels.empty && sel.fields.empty;
    const items: KubeObject[] = [];
    let more = false;
    // Starting after `<ns>.` skips every key sorting before `<ns>/` ('.' sorts just before '/').
    for (const [key, obj] of this.store.entriesAt(ref, rv, start ?? (namespace !== undefined ? `${namespace}.` : undefined))) {
      if (prefix && !key.startsWith(prefix)) {
        if (key > prefix) break;
        continue;
      }
      if (!sel.matches(obj)) continue;
      if (limit !== undefined && items.length === limit) {
        more = true;
        break;
      }
      items.push(obj);
    }
    const result: ListResult = { items, resourceVersion: String(rv) };
    if (more) {
      const last = objectKeyOf(items[items.length - 1]!);
      result.continue = encodeContinue({ rv, start: last });
      // Only without selectors, as upstream (counting needs no matching then): counted from the
      // keys, not by visiting every object after the page (which made each page of a long list
      // cost as much as the rest of the list).
      if (unselective) result.remainingItemCount = this.store.countAt(ref, rv, last, prefix);
    }
    return result;
  }

  private checkListResourceVersion(options: ListOptions, currentRV: number): void {
    const match = options.resourceVersionMatch;
    // metainternalversion validation.ValidateListOptions, for a list.
    const errors: FieldError[] = [];
    if (match) {
      if (!options.resourceVersion) errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
      if (options.continue) errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
      if (match !== 'Exact' && match !== 'NotOlderThan') errors.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
      if (match === 'Exact' && options.resourceVersion === '0') errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
    if (options.sendInitialEvents !== undefined) errors.push(forbiddenField('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
    if (errors.length) throw listOptionsInvalid(errors);
    if (options.resourceVersion === undefined || options.resourceVersion === '') return;
    const rv = parseResourceVersionParam(options.resourceVersion);
    if (options.continue && options.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    if (match === 'Exact' && rv !== currentRV) {
      if (rv > currentRV) throw new StatusError(504, 'Timeout', `Too large resource version: ${rv}, current: ${currentRV}`, { retryAfterSeconds: 1 });
      throw gone(`too old resource version: ${rv} (${currentRV})`);
    }
    if (rv > currentRV) throw new StatusError(504, 'Timeout', `Too large resource version: ${rv}, current: ${currentRV}`, { retryAfterSeconds: 1 });
  }

  /**
   * Starts a watch that delivers to sink. Without a resourceVersion (or with "0"), or with
   * sendInitialEvents, it first sends ADDED for every matching object. Selector transitions turn
   * into ADDED/DELETED as upstream's watch cache does.
   */
  watch(def: ResourceDefinition, request: WatchRequest, sink: WatchSink): StoreWatch {
    const sel = this.selector(def, request.labelSelector, request.fieldSelector);
    const namespace = this.namespaceOf(def, request.namespace);
    const rvText = request.resourceVersion ?? '';
    this.checkWatchRequest(def, request);
    const initial = request.sendInitialEvents ?? (rvText === '' || rvText === '0');
    const source = this.sourceOf(def);
    if (source) return this.watchSource(source, request, sel.matches, initial, sink);
    const from = initial ? this.store.resourceVersion : Number(rvText);
    const ref = refOf(def);
    if (initial) {
      for (const obj of this.store.list(ref, namespace)) if (sel.matches(obj)) sink.event('ADDED', obj);
      if (request.sendInitialEvents && request.allowWatchBookmarks) {
        sink.bookmark(String(from), { 'k8s.io/initial-events-end': 'true' });
      }
    }
    return this.store.watch(ref, {
      namespace,
      fromResourceVersion: from,
      onEvent: (event: StoreEvent) => deliverFiltered(sink, sel.matches, event.type, event.object, event.previous),
    });
  }

  /** watch() over a memory source: its objects first (when initial), then its changes, through the selectors. */
  private watchSource(source: ObjectSource, request: WatchRequest, matches: (obj: KubeObject) => boolean, initial: boolean, sink: WatchSink): StoreWatch {
    if (!source.subscribe) throw methodNotAllowed();
    if (initial) {
      const rv = source.resourceVersion?.() ?? this.store.resourceVersion;
      for (const obj of source.list()) if (matches(obj)) sink.event('ADDED', obj);
      if (request.sendInitialEvents && request.allowWatchBookmarks) sink.bookmark(String(rv), { 'k8s.io/initial-events-end': 'true' });
    }
    return source.subscribe(initial ? undefined : Number(request.resourceVersion), (type, object, previous) => deliverFiltered(sink, matches, type, object, previous));
  }

  /** The resourceVersion a periodic bookmark of def's watches carries: the source's, or what the store has delivered. */
  bookmarkResourceVersion(def: ResourceDefinition): string {
    return String(this.sourceOf(def)?.resourceVersion?.() ?? this.store.deliveredResourceVersion);
  }

  /**
   * Everything a watch request can get wrong before its stream starts: selectors (400), the options
   * ValidateListOptions checks for a watch (422), and a resourceVersion that does not parse (422, as
   * the watch cache's InterpretWatchError renders it). HTTP handlers call this before answering 200.
   */
  checkWatchRequest(def: ResourceDefinition, request: WatchRequest): void {
    this.selector(def, request.labelSelector, request.fieldSelector);
    const match = request.resourceVersionMatch;
    const errors: FieldError[] = [];
    if (request.sendInitialEvents !== undefined) {
      if (match !== 'NotOlderThan') errors.push(forbiddenField('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
      if (request.sendInitialEvents && !request.allowWatchBookmarks) errors.push(forbiddenField('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks to true'));
    }
    if (match) {
      if (request.sendInitialEvents === undefined) errors.push(forbiddenField('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
      if (match !== 'NotOlderThan') errors.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    }
    if (errors.length) throw listOptionsInvalid(errors);
    const rvText = request.resourceVersion ?? '';
    if (rvText !== '' && rvText !== '0' && !/^\d+$/.test(rvText)) {
      throw invalid(def.group, def.plural, '', [{ reason: 'FieldValueInvalid', field: 'resourceVersion', message: `Invalid value: ${JSON.stringify(rvText)}: strconv.ParseUint: parsing ${JSON.stringify(rvText)}: invalid syntax` }]);
    }
  }

  /** Creates an object from a client's body (already decoded); returns the stored object. */
  async create(def: ResourceDefinition, namespace: string | undefined, body: unknown, options: RequestOptions = {}): Promise<KubeObject> {
    return this.createObject(def, namespace, body, options).catch((err: unknown) => {
      throw shapeError(err, (message) => badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${message}`));
    });
  }

  private async createObject(def: ResourceDefinition, namespace: string | undefined, body: unknown, options: RequestOptions): Promise<KubeObject> {
    const obj = this.admitBody(def, body, options.internal);
    const meta = obj.metadata;
    dropEmptyMetadata(meta);
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    delete meta.uid;
    delete meta.creationTimestamp;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    const ctx = this.context();
    def.strategy.applyDefaults?.(obj);
    // The field manager sees the defaulted object before the strategy, as upstream's create handler.
    recordManagedFields(def, undefined, obj, { manager: options.fieldManager, applied: options.serverSideApply, now: ctx.now });
    def.strategy.prepareForCreate?.(obj, ctx);
    this.throwIfInvalid(def, obj, [...validateObjectMetaCreate(obj.metadata, def), ...(def.strategy.validate?.(obj) ?? [])]);
    if (def.namespaced) this.checkNamespaceAcceptsCreate(meta.namespace!, refOf(def), meta.name ?? '');
    const ref = refOf(def);
    if (options.dryRun) {
      if (this.store.get(ref, meta.namespace, meta.name!)) return this.store.create(ref, obj).then(() => obj); // throws AlreadyExists
      return obj;
    }
    // generateName collisions are retried a few times, as upstream's client-side retry would.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.create(ref, obj);
      } catch (err) {
        if (!(err instanceof StatusError) || err.reason !== 'AlreadyExists' || !meta.generateName || attempt >= 4) throw err;
        meta.name = generateName(meta.generateName);
      }
    }
  }

  private checkNamespaceAcceptsCreate(namespace: string, ref: ResourceRef, name: string): void {
    const ns = this.store.get(NAMESPACES, undefined, namespace);
    if (!ns) throw notFound(NAMESPACES, namespace);
    if (ns.metadata.deletionTimestamp) {
      const err = forbidden(ref, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
      err.status.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
      throw err;
    }
  }

  /**
   * Decodes a client's body into an object of this kind, failing as kube-apiserver's decoder does
   * (transformDecodeError): a body that is no object at all is `the object provided is
   * unrecognized`, another kind is `X in version "v" cannot be handled as a Kind`, and values of the
   * wrong JSON type are Go unmarshal errors. JSON null decodes to the empty object.
   */
  private admitBody(def: ResourceDefinition, body: unknown, internal = false): KubeObject {
    const unrecognized = (detail: string): StatusError =>
      badRequest(`the object provided is unrecognized (must be of type ${def.kind}): couldn't get version/kind; json parse error: ${detail} (${summarizeData(body)})`);
    if (body === null || body === undefined) body = {};
    if (!isPlainObject(body)) throw unrecognized(`json: cannot unmarshal ${jsonKindOf(body)} into Go value of type ${TYPE_META_STRUCT}`);
    for (const key of ['apiVersion', 'kind'] as const) {
      const v = body[key];
      if (v !== undefined && v !== null && typeof v !== 'string') throw unrecognized(`json: cannot unmarshal ${jsonKindOf(v)} into Go struct field .${key} of type string`);
    }
    const obj = (internal ? body : clone(body)) as KubeObject;
    const apiVersion = apiVersionOf(def);
    // gvkWithDefaults: what the body leaves out is the endpoint's.
    const bodyAPIVersion = typeof obj.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion : apiVersion;
    const bodyVersion = bodyAPIVersion.slice(bodyAPIVersion.indexOf('/') + 1);
    const bodyKind = typeof obj.kind === 'string' && obj.kind ? obj.kind : def.kind;
    const cannotHandle = `${bodyKind} in version ${JSON.stringify(bodyVersion)} cannot be handled as a ${def.kind}`;
    if (bodyKind !== def.kind) {
      const known = this.resources.find((r) => apiVersionOf(r) === bodyAPIVersion && r.kind === bodyKind);
      throw badRequest(
        known
          ? `${cannotHandle}: converting (${known.version}.${bodyKind}) to (${internalPackage(def.group)}.${def.kind}): unknown conversion`
          : `${cannotHandle}: no kind ${JSON.stringify(bodyKind)} is registered for version ${JSON.stringify(bodyAPIVersion)} in scheme "pkg/api/legacyscheme/scheme.go:30"`,
      );
    }
    if (bodyAPIVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${bodyAPIVersion}) does not match the expected API version (${apiVersion})`);
    }
    try {
      if (!internal) checkDecodable(def.group, def.version, def.kind, obj);
    } catch (err) {
      if (err instanceof DecodeError) throw badRequest(`${cannotHandle}: ${err.message}`);
      throw err;
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    obj.apiVersion = apiVersion;
    obj.kind = def.kind;
    return obj;
  }

  private throwIfInvalid(def: ResourceDefinition, obj: KubeObject, errors: FieldError[]): void {
    if (errors.length) throw invalid(def.group, def.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', toCauses(errors));
  }

  /** PUT: replaces the object (or its status) with a client's body. */
  async update(def: ResourceDefinition, namespace: string | undefined, name: string, body: unknown, options: RequestOptions & { subresource?: string } = {}): Promise<KubeObject> {
    const obj = this.admitBody(def, body);
    return this.guaranteedUpdate(def, namespace, name, () => obj, { ...options, fromBody: true }).catch((err: unknown) => {
      throw shapeError(err, (message) => badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${message}`));
    });
  }

  /**
   * PATCH and controller writes: applies mutate to a copy of the current object and stores the
   * result, under the rules of the main resource or of the named subresource.
   */
  async patch(def: ResourceDefinition, namespace: string | undefined, name: string, mutate: Mutator, options: PatchOptions = {}): Promise<KubeObject> {
    // Upstream decodes the patched JSON into the kind's Go struct; what does not decode is 422 on `patch`.
    let patched: unknown;
    return this.guaranteedUpdate(def, namespace, name, (current) => {
      const next = mutate(options.internal ? writableCopy(current) : clone(current));
      patched = next;
      if (!isPlainObject(next)) throw patchInvalid(next, `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKindOf(next)} into Go value of type ${TYPE_META_STRUCT}`);
      try {
        if (!options.internal) checkDecodable(def.group, def.version, def.kind, next);
      } catch (err) {
        if (err instanceof DecodeError) throw patchInvalid(next, err.message);
        throw err;
      }
      if (!isPlainObject(next.metadata)) next.metadata = {};
      return next;
    }, options).catch((err: unknown) => {
      throw shapeError(err, (message) => patchInvalid(patched, message));
    });
  }

  private async guaranteedUpdate(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    produce: Mutator,
    options: RequestOptions & { subresource?: string; fromBody?: boolean },
  ): Promise<KubeObject> {
    const ref = refOf(def);
    const ns = this.namespaceOf(def, namespace);
    const current = this.store.get(ref, ns, name);
    if (!current) throw notFound(ref, name);
    const obj = produce(current);
    const meta = obj.metadata;
    dropEmptyMetadata(meta);
    // The handlers' checkName: the object must carry the URL's name, and its namespace if it has one.
    if ((meta.name ?? '') !== name) {
      throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && meta.namespace && meta.namespace !== ns) {
      throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the URL (${ns})`);
    }
    meta.name = name;
    if (def.namespaced) meta.namespace = ns;
    else delete meta.namespace;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) {
      if (!/^\d+$/.test(meta.resourceVersion)) throw badRequest(`invalid resource version: ${meta.resourceVersion}`);
      throw conflict(ref, name);
    }
    // Identity and lifecycle fields are the server's: a client cannot change them by update.
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    meta.resourceVersion = current.metadata.resourceVersion;
    restoreField(meta, current.metadata, 'deletionTimestamp');
    restoreField(meta, current.metadata, 'deletionGracePeriodSeconds');
    restoreField(meta, current.metadata, 'generation');
    const ctx = this.context();
    recordManagedFields(def, current, obj, {
      manager: options.fieldManager,
      subresource: options.subresource,
      applied: options.serverSideApply,
      now: ctx.now,
      defaults: options.subresource === undefined ? (o) => def.strategy.applyDefaults?.(o) : undefined,
    });
    let errors: FieldError[];
    if (options.subresource === 'status') {
      def.strategy.prepareForStatusUpdate?.(obj, current, ctx);
      errors = def.strategy.validateStatusUpdate?.(obj, current) ?? [];
    } else if (options.subresource !== undefined) {
      const sub = def.subresourceStrategies?.[options.subresource];
      if (!sub) throw new Error(`${def.plural}/${options.subresource} has no update strategy`);
      sub.prepareForUpdate(obj, current, ctx);
      errors = sub.validateUpdate?.(obj, current) ?? [];
    } else {
      def.strategy.prepareForUpdate?.(obj, current, ctx);
      def.strategy.applyDefaults?.(obj);
      errors = [...validateObjectMetaUpdate(obj.metadata, current.metadata, def), ...(def.strategy.validateUpdate?.(obj, current) ?? [])];
    }
    if (current.metadata.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(current.metadata.finalizers ?? []).includes(f));
      if (added.length) errors.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` });
    }
    this.throwIfInvalid(def, obj, errors);
    keepManagedFieldsTimestamps(current, obj);
    if (options.dryRun) return jsonEqual(obj, current) ? current : obj;
    // Removing the last finalizer of an object being deleted completes its deletion.
    if (meta.deletionTimestamp && !(meta.finalizers ?? []).length && !meta.deletionGracePeriodSeconds && !def.strategy.deletionBlocked?.(obj)) {
      const updated = await this.store.update(ref, obj);
      return this.store.delete(ref, ns, name, { uid: updated.metadata.uid });
    }
    return this.store.update(ref, obj);
  }

  /** DELETE of one object, with upstream's graceful deletion, finalizers and propagation policies. */
  async delete(def: ResourceDefinition, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const ref = refOf(def);
    const ns = this.namespaceOf(def, namespace);
    const current = this.store.get(ref, ns, name);
    if (!current) throw notFound(ref, name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(ref, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(ref, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
    const next = clone(current);
    const meta = next.metadata;
    let finalizers = [...(meta.finalizers ?? [])];
    if (policy === 'Orphan') finalizers = [...finalizers.filter((f) => f !== 'foregroundDeletion'), ...(finalizers.includes('orphan') ? [] : ['orphan'])];
    if (policy === 'Foreground') finalizers = [...finalizers.filter((f) => f !== 'orphan'), ...(finalizers.includes('foregroundDeletion') ? [] : ['foregroundDeletion'])];
    if (policy === 'Background') finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    const grace = def.strategy.checkGracefulDelete?.(current, options.gracePeriodSeconds) ?? 0;
    const now = this.now();
    const blocked = def.strategy.deletionBlocked?.(current) ?? false;
    if (finalizers.length === 0 && grace === 0 && !blocked) {
      if (options.dryRun) return { deleted: true, object: current, status: this.successFor(def, current) };
      const final = await this.store.delete(ref, ns, name, { uid: current.metadata.uid });
      return { deleted: true, object: final, status: this.successFor(def, final) };
    }
    if (finalizers.length) meta.finalizers = finalizers;
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = formatTimestamp(new Date(now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
    } else if (grace < (meta.deletionGracePeriodSeconds ?? 0)) {
      // A shorter grace period may cut a pending graceful deletion short, never lengthen it.
      meta.deletionTimestamp = formatTimestamp(new Date(now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
    }
    def.strategy.prepareForDelete?.(next, this.context());
    if (options.dryRun) return { deleted: false, object: next };
    const updated = await this.store.update(ref, next);
    if (grace === 0 && finalizers.length === 0 && !blocked) {
      const final = await this.store.delete(ref, ns, name, { uid: updated.metadata.uid });
      return { deleted: true, object: final, status: this.successFor(def, final) };
    }
    return { deleted: false, object: updated };
  }

  private successFor(def: ResourceDefinition, obj: KubeObject): StatusObject {
    return successStatus({ name: obj.metadata.name, group: def.group, kind: def.plural, uid: obj.metadata.uid });
  }

  /** DELETE on a collection: deletes every match; returns the list of what was deleted or marked. */
  async deleteCollection(def: ResourceDefinition, list: ListOptions, options: DeleteOptions = {}): Promise<KubeObject[]> {
    const { items } = this.list(def, { ...list, limit: undefined, continue: undefined });
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        out.push((await this.delete(def, item.metadata.namespace, item.metadata.name!, options)).object);
      } catch (err) {
        // Something else deleted it meanwhile: the collection delete still succeeds.
        if (!(err instanceof StatusError) || err.code !== 404) throw err;
      }
    }
    return out;
  }
}

/**
 * Upstream decodes every write into Go structs whose ObjectMeta maps and lists are `omitempty`, so
 * an empty `labels: {}` (e.g. after `kubectl label x k-` removed the last label) or `finalizers: []`
 * is never stored or returned. The same holds here for every kind and every write path.
 */
function dropEmptyMetadata(meta: KubeObject['metadata']): void {
  const record = meta as Record<string, unknown>;
  // managedFields are the field manager's: an empty list written by a client resets them (api/managed-fields.ts).
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
    const value = record[key];
    if (value === null || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0)) delete record[key];
  }
}

function restoreField<K extends 'deletionTimestamp' | 'deletionGracePeriodSeconds' | 'generation'>(meta: KubeObject['metadata'], from: KubeObject['metadata'], key: K): void {
  if (from[key] === undefined) delete meta[key];
  else meta[key] = from[key];
}

function objectKeyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** The struct kube-apiserver's decoder first reads a body into, to find its kind. */
const TYPE_META_STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** The JSON kind of a value as Go's UnmarshalTypeError names it. */
function jsonKindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** transformDecodeError's summarizeData: up to 30 bytes, as text for an object and hex otherwise. */
function summarizeData(body: unknown): string {
  const data = Buffer.from(JSON.stringify(body) ?? '');
  if (data.length === 0) return '<empty>';
  const head = data.subarray(0, 30);
  const text = data[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return data.length > 30 ? `${text} ...` : text;
}

/** The Go package of a group's internal types, as conversion errors name it. */
function internalPackage(group: string): string {
  return group === '' ? 'core' : group.split('.')[0]!;
}

/** 422 for a patch whose result does not decode into the kind (upstream's `patch: Invalid value`). */
function patchInvalid(patched: unknown, detail: string): StatusError {
  const rendered = JSON.stringify(JSON.stringify(patched) ?? 'null');
  return invalid('', '', '', [{ reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${rendered}: ${detail}` }]);
}

/**
 * Strategies read plain JSON: a JS TypeError (or the like) while they run means the body had a
 * shape Go's decoder would have refused before any strategy ran. Such errors become the decode
 * error `as` builds; anything else passes through unchanged.
 */
function shapeError(err: unknown, as: (message: string) => StatusError): unknown {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return as(err.message);
  return err;
}

/** 410 Expired for a continue token older than the watch log, with upstream's message. */
function continueExpired(): StatusError {
  return new StatusError(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
  );
}

/** 422 `ListOptions.meta.k8s.io "" is invalid` with every error ValidateListOptions found. */
function listOptionsInvalid(errors: FieldError[]): StatusError {
  return invalid('meta.k8s.io', 'ListOptions', '', toCauses(errors));
}

/** A list's resourceVersion as the storage parses it: an unsigned integer, else 400. */
function parseResourceVersionParam(text: string): number {
  if (!/^\d+$/.test(text)) {
    const why = `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`;
    throw badRequest(`invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(text)}: ${why}`);
  }
  return Number(text);
}

/** 422 for a bad list/watch/delete option, shaped as upstream's `ListOptions.meta.k8s.io "" is invalid`. */
export function invalidOptions(field: string, value: unknown, detail: string): StatusError {
  const rendered = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new StatusError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${field}: Invalid value: ${rendered}: ${detail}`, {
    group: 'meta.k8s.io',
    kind: 'ListOptions',
    causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}: ${detail}`, field }],
  });
}

