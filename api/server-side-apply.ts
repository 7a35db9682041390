// Server-side apply: PATCH with Content-Type application/apply-patch+yaml, as kube-apiserver's
// field manager does it (k8s.io/apimachinery/pkg/util/managedfields/internal: versionCheck,
// lastAppliedUpdater, lastAppliedManager, skipNonApplied, buildManagerInfo, managedFieldsUpdater,
// stripMeta, structuredMerge) on top of structured-merge-diff's Updater.Apply (api/managed-fields.ts).
import { parse as parseYaml } from 'yaml';
import { clone, isPlainObject, type KubeObject } from '../store/object.js';
import { StatusError, badRequest } from '../store/status-error.js';
import { formatTimestamp } from '../store/store.js';
import {
  ConflictsError,
  FieldManager,
  FieldSet,
  SchemaError,
  cloneManaged,
  compareValuesTyped,
  decodeManagedFields,
  goJson,
  parseManagerIdentifier,
  pathToString,
  setManagedFields,
  toFieldSet,
  type FieldConflict,
  type Managed,
} from './managed-fields.js';
import type { Registry } from './registry.js';
import type { ResourceDefinition } from './types.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The field manager whose applies keep the client-side apply annotation in step (kubectl's default). */
const KUBECTL_MANAGER = 'kubectl';

export interface ApplyOptions {
  /** The fieldManager of the request (required for apply). */
  manager: string;
  force: boolean;
  subresource?: string;
  now: Date;
}

/** Decodes an apply body: YAML, of which JSON is a subset. */
export function parseApplyBody(raw: Buffer | string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: false });
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value !== null && value !== undefined && !isPlainObject(value)) {
    const type = Array.isArray(value) ? 'array' : typeof value;
    throw badRequest(`error decoding YAML: json: cannot unmarshal ${type} into Go value of type map[string]interface {}`);
  }
  return value ?? null;
}

function gvkOf(config: Record<string, unknown> | null): { group: string; version: string; kind: string } {
  const apiVersion = typeof config?.apiVersion === 'string' ? config.apiVersion : '';
  const kind = typeof config?.kind === 'string' ? config.kind : '';
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

/** versionCheckManager and structuredMerge's checks on the applied configuration. */
function checkConfig(def: ResourceDefinition, config: unknown): Record<string, unknown> {
  const cfg = isPlainObject(config) ? config : null;
  const gvk = gvkOf(cfg);
  if (!cfg || gvk.group !== def.group || gvk.version !== def.version || gvk.kind !== def.kind) {
    throw badRequest(`invalid object type: ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`);
  }
  const metadata = cfg.metadata;
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) throw badRequest('metadata must be an object');
  if (isPlainObject(metadata) && metadata.managedFields !== undefined && metadata.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  return cfg;
}

/**
 * A configuration the schema refuses. kube-apiserver answers these as a 500 with an empty
 * reason; they are the client's mistake, so kubemock answers 400 with the same message.
 */
function unknownError(message: string): StatusError {
  return badRequest(message);
}

function objectNamespacedName(obj: Record<string, unknown> | undefined, def: ResourceDefinition): string {
  const meta = isPlainObject(obj?.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  return `${ns}/${name}; ${def.group}/${def.version}, Kind=${def.kind}`;
}

/** How a conflict names its manager: `"kubectl"`, or `"x" using apps/v1` for an Update manager. */
export function printManager(id: string): string {
  const m = parseManagerIdentifier(id);
  let out = JSON.stringify(m.manager ?? '');
  if (m.subresource) out += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') out += ` using ${m.apiVersion ?? ''}`;
  return out;
}

/** NewConflictError: 409 Conflict with one FieldManagerConflict cause per field. */
export function conflictError(conflicts: FieldConflict[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
  const causes = sorted.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathToString(c.path) }));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0]!.manager)}: ${pathToString(sorted[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let current: string | undefined;
    for (const c of sorted) {
      if (c.manager !== current) {
        current = c.manager;
        lines.push(`conflicts with ${printManager(c.manager)}:`);
      }
      lines.push(`- ${pathToString(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/** The object without managedFields (they are never part of what is merged or compared). */
function withoutManagedFields(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj || obj.metadata.managedFields === undefined) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * The apply pipeline below lastAppliedManager: skipNonApplied (an untracked object is first
 * attributed to "before-first-apply"), then Updater.Apply (merge, prune, conflicts) for the
 * manager's Apply entry, stripMeta, and the entry's time when the object changed.
 */
function applyOnce(fm: FieldManager, live: KubeObject | undefined, config: Record<string, unknown>, managed: Managed, options: ApplyOptions, force: boolean): { object: unknown; changed: boolean } {
  if (managed.fields.size === 0 && live) fm.trackUpdate(undefined, live, managed, 'before-first-apply', options.now);
  const id = fm.identifier(options.manager, 'Apply');
  const result = fm.apply(live, config, managed, id, force);
  fm.stripMeta(managed, id);
  if (result.changed) managed.times.set(id, formatTimestamp(options.now));
  return result;
}

/**
 * lastAppliedManager: for kubectl's default manager, conflicts on fields whose live value still
 * equals the client-side apply annotation are not conflicts (client-side to server-side upgrade).
 */
function allowedConflictsFromLastApplied(fm: FieldManager, live: KubeObject | undefined): FieldSet | undefined {
  const text = live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(lastApplied) || lastApplied.apiVersion !== fm.apiVersion) return undefined;
  try {
    const set = toFieldSet(fm.schema, lastApplied, { strict: true });
    const cmp = compareValuesTyped(fm.schema, fm.typed(lastApplied), fm.typed(withoutManagedFields(live)));
    return set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch {
    return undefined;
  }
}

/** buildLastApplied: the applied configuration without the annotation, as Go's JSON encoder writes it. */
function buildLastApplied(config: Record<string, unknown>): string {
  const copy = clone(config);
  const meta = copy.metadata;
  if (isPlainObject(meta) && isPlainObject(meta.annotations)) delete meta.annotations[LAST_APPLIED_ANNOTATION];
  return `${goJson(copy)}\n`;
}

/** Drops the nulls a merge introduced (Go's typed objects have no null optional fields); live nulls stay. */
function dropNewNulls(value: unknown, live: unknown): unknown {
  if (Array.isArray(value)) return value.map((v, i) => dropNewNulls(v, Array.isArray(live) ? live[i] : undefined));
  if (!isPlainObject(value)) return value;
  const liveMap = isPlainObject(live) ? live : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null && !(liveMap && liveMap[key] === null)) continue;
    out[key] = dropNewNulls(v, liveMap?.[key]);
  }
  return out;
}

/**
 * FieldManager.Apply: merges an applied configuration into the live object (undefined when the
 * apply creates it) and records the manager's Apply entry in metadata.managedFields. Throws
 * 400 for configurations of another kind, 409 Conflict (unless force) when other managers own
 * fields it would change, and a 500 naming the field for configurations the schema refuses.
 * Returns a new, mutable object; the registry then runs the kind's strategy on it.
 */
export function applyConfiguration(def: ResourceDefinition, live: KubeObject | undefined, config: unknown, options: ApplyOptions): KubeObject {
  const fm = FieldManager.of(def, options.subresource);
  const cfg = checkConfig(def, config);
  let managed: Managed;
  try {
    managed = decodeManagedFields(live?.metadata.managedFields);
  } catch (err) {
    throw unknownError(`failed to decode managed fields: ${(err as Error).message}`);
  }
  try {
    toFieldSet(fm.schema, cfg, { strict: true });
  } catch (err) {
    if (err instanceof SchemaError) throw unknownError(`failed to create typed patch object (${objectNamespacedName(cfg, def)}): ${err.message}`);
    throw err;
  }
  const liveObj = withoutManagedFields(live);
  const attempt = (force: boolean) => {
    const working = cloneManaged(managed);
    try {
      return { ...applyOnce(fm, liveObj, cfg, working, options, force), managed: working };
    } catch (err) {
      if (err instanceof SchemaError) throw unknownError(`failed to merge config: ${err.message}`);
      throw err;
    }
  };
  let result: ReturnType<typeof attempt>;
  try {
    result = attempt(options.force);
  } catch (err) {
    if (!(err instanceof ConflictsError)) throw err;
    const allowed = options.manager === KUBECTL_MANAGER ? allowedConflictsFromLastApplied(fm, live) : undefined;
    if (!allowed) throw conflictError(err.conflicts);
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length) throw conflictError(remaining);
    result = attempt(true);
  }
  const object = clone(dropNewNulls(result.object, liveObj)) as KubeObject;
  if (!isPlainObject(object.metadata)) object.metadata = {};
  // lastAppliedUpdater: kubectl's applies keep an existing client-side apply annotation current.
  const annotations = object.metadata.annotations;
  if (options.manager === KUBECTL_MANAGER && annotations?.[LAST_APPLIED_ANNOTATION]) {
    annotations[LAST_APPLIED_ANNOTATION] = buildLastApplied(cfg);
  }
  setManagedFields(object, result.managed);
  return object;
}

export interface ServerSideApplyRequest {
  namespace?: string;
  name: string;
  body: Buffer | string;
  fieldManager: string;
  force: boolean;
  dryRun: boolean;
  subresource?: string;
  now: Date;
}

/**
 * The apply verb: applies to the live object, or creates it when it does not exist (the main
 * resource only). Returns the stored (or, with dryRun, the would-be) object and whether it was created.
 */
export async function serverSideApply(registry: Registry, def: ResourceDefinition, request: ServerSideApplyRequest): Promise<{ object: KubeObject; created: boolean }> {
  const config = parseApplyBody(request.body);
  const options: ApplyOptions = { manager: request.fieldManager, force: request.force, subresource: request.subresource, now: request.now };
  const writeOptions = { dryRun: request.dryRun, fieldManager: request.fieldManager, serverSideApply: true };
  for (let attempt = 0; ; attempt++) {
    try {
      const object = await registry.patch(def, request.namespace, request.name, (current) => applyConfiguration(def, current, config, options), { ...writeOptions, subresource: request.subresource });
      return { object, created: false };
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 404 || request.subresource !== undefined || registry.store.get({ group: def.group, resource: def.plural }, def.namespaced ? request.namespace : undefined, request.name)) throw err;
    }
    const obj = applyConfiguration(def, undefined, config, options);
    const name = obj.metadata.name;
    if (!name) throw badRequest(`the name of the object (${request.name} based on URL) was undeterminable: name must be provided`);
    if (name !== request.name) throw badRequest(`the name of the object (${name}) does not match the name on the URL (${request.name})`);
    try {
      return { object: await registry.create(def, request.namespace, obj, writeOptions), created: true };
    } catch (err) {
      // Created meanwhile by someone else: apply to it instead.
      if (attempt < 2 && err instanceof StatusError && err.reason === 'AlreadyExists') continue;
      throw err;
    }
  }
}
