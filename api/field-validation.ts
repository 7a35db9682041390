// Server-side field validation (the `fieldValidation` query parameter), as kube-apiserver's decode
// step does it: fields of a request body that the kind's schema does not know, and fields given
// twice, are dropped silently (Ignore), dropped with one `Warning: 299` header each (Warn, the
// default when the parameter is absent) or rejected (Strict).
//
// * create and update bodies (JSON): the raw text is scanned against the schema in document
//   order, as Go's strict JSON decoder does, so duplicates (which JSON.parse hides) are seen too;
//   a rejection is 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: ...`;
// * YAML bodies: duplicate keys anywhere (`line N: key "x" already set in map`), then unknown fields;
// * merge and strategic merge patches: duplicate keys anywhere in the patch, then unknown fields
//   of the patched object; json patches: unknown or duplicate keys of the operations, then
//   unknown fields of the patched object; a rejection is 422 ` "" is invalid: patch: Invalid value: ...`.
// Unknown fields never reach the store. The schemas are the generated component schemas
// (api/openapi-schemas.ts).
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import { StatusError } from '../store/status-error.js';
import { isPlainObject } from '../store/object.js';
import { COMPONENT_SCHEMAS, resolveSchema, schemaRefName, type OpenApiSchema } from './openapi-schemas.js';
import type { ResourceDefinition } from './types.js';

export type FieldValidationDirective = 'Ignore' | 'Warn' | 'Strict';

const DIRECTIVES: readonly string[] = ['', 'Ignore', 'Strict', 'Warn'];

/** Upstream keeps at most this many strict decoding errors per request. */
const MAX_PROBLEMS = 100;

/**
 * The directive of a request's `fieldValidation` value; absent or empty means Warn, as upstream.
 * Anything else is 422 from the options' validation (`CreateOptions.meta.k8s.io "" is invalid`).
 */
export function fieldValidationDirective(value: string | undefined, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidationDirective {
  if (value === undefined || value === '') return 'Warn';
  if (DIRECTIVES.includes(value)) return value as FieldValidationDirective;
  const detail = `Unsupported value: ${JSON.stringify(value)}: supported values: ${DIRECTIVES.map((d) => JSON.stringify(d)).join(', ')}`;
  throw new StatusError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: ${detail}`, {
    group: 'meta.k8s.io',
    kind: optionsKind,
    causes: [{ reason: 'FieldValueNotSupported', message: detail, field: 'fieldValidation' }],
  });
}

// ---------------------------------------------------------------------------------------------
// Shapes: what the decoder does with a value, derived lazily from the OpenAPI schemas.

/**
 * struct: known fields only (others are unknown), duplicates of known fields reported;
 * map: any key, duplicate keys reported; list: elements share one shape;
 * any: a Go interface{} (objects are maps, all the way down); skip: opaque or scalar.
 */
export type Shape =
  | { readonly kind: 'struct'; field(name: string): Shape | undefined }
  | { readonly kind: 'map'; readonly values: Shape }
  | { readonly kind: 'list'; readonly items: Shape }
  | { readonly kind: 'any' }
  | { readonly kind: 'skip' };

const SKIP: Shape = { kind: 'skip' };
const ANY: Shape = { kind: 'any' };
const shapes = new WeakMap<OpenApiSchema, Shape>();

/** The shape of a schema; RawExtension, FieldsV1 and other property-less objects are opaque. */
export function shapeOf(schema: OpenApiSchema | undefined): Shape {
  const resolved = resolveSchema(schema);
  if (!resolved) return SKIP;
  const cached = shapes.get(resolved);
  if (cached) return cached;
  let shape: Shape;
  const { properties, additionalProperties, items } = resolved;
  if (properties) {
    // Every body is checked against these: each field's shape is worked out once.
    const fields = new Map<string, Shape | undefined>();
    shape = {
      kind: 'struct',
      field: (name) => {
        let field = fields.get(name);
        if (field === undefined) {
          field = Object.hasOwn(properties, name) ? shapeOf(properties[name]) : undefined;
          // Unknown names are not remembered: a client could send any number of them.
          if (field !== undefined) fields.set(name, field);
        }
        return field;
      },
    };
  } else if (additionalProperties && typeof additionalProperties === 'object') {
    let values: Shape | undefined;
    shape = { kind: 'map', get values() { return (values ??= shapeOf(additionalProperties)); } };
  } else if (items) {
    let itemShape: Shape | undefined;
    shape = { kind: 'list', get items() { return (itemShape ??= shapeOf(items)); } };
  } else {
    shape = SKIP;
  }
  shapes.set(resolved, shape);
  return shape;
}

/** The shape of a served kind's objects. */
export function kindShape(def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>): Shape {
  const schema = COMPONENT_SCHEMAS[schemaRefName(def)];
  if (!schema) throw new Error(`no schema for ${def.kind}`);
  return shapeOf(schema);
}

/** A JSON patch operation as upstream decodes it: op, path, from and an arbitrary value. */
const JSON_PATCH_OPS: Shape = {
  kind: 'list',
  items: { kind: 'struct', field: (name) => (name === 'op' || name === 'path' || name === 'from' ? SKIP : name === 'value' ? ANY : undefined) },
};

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

// ---------------------------------------------------------------------------------------------
// Raw JSON: document-order scan (the body has already parsed, so the text is valid JSON).

type Report = (kind: 'unknown' | 'duplicate', path: string) => void;

class JsonScanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly report: Report,
  ) {}

  scan(shape: Shape): void {
    this.value(shape, '');
  }

  private ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(shape: Shape, path: string): void {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') this.object(shape, path);
    else if (c === '[') this.array(shape, path);
    else if (c === '"') this.string();
    else this.literal();
  }

  private string(): string {
    const t = this.text;
    const start = this.i;
    this.i++;
    let escaped = false;
    while (this.i < t.length) {
      const c = t[this.i++];
      if (c === '\\') {
        this.i++;
        escaped = true;
      } else if (c === '"') break;
    }
    const raw = t.slice(start, this.i);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  private literal(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      // , } ] space tab CR LF
      if (c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
      this.i++;
    }
  }

  private object(shape: Shape, path: string): void {
    this.i++;
    const seen = new Set<string>();
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.i++; // ':'
      const at = join(path, key);
      let child: Shape = SKIP;
      if (shape.kind === 'struct') {
        const field = shape.field(key);
        if (field === undefined) this.report('unknown', at);
        else {
          if (seen.has(key)) this.report('duplicate', at);
          seen.add(key);
          child = field;
        }
      } else if (shape.kind === 'map' || shape.kind === 'any') {
        if (seen.has(key)) this.report('duplicate', at);
        seen.add(key);
        child = shape.kind === 'map' ? shape.values : ANY;
      }
      this.value(child, at);
      this.ws();
      if (this.text[this.i++] === ',') continue;
      return; // '}'
    }
  }

  private array(shape: Shape, path: string): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    const items = shape.kind === 'list' ? shape.items : shape.kind === 'any' ? ANY : SKIP;
    for (let index = 0; ; index++) {
      this.value(items, `${path}[${index}]`);
      this.ws();
      if (this.text[this.i++] === ',') continue;
      return; // ']'
    }
  }
}

/** Collects problems as upstream's decoder does: messages deduplicated, at most 100. */
class Problems {
  readonly list: string[] = [];
  private readonly seen = new Set<string>();

  add(message: string): void {
    if (this.list.length >= MAX_PROBLEMS || this.seen.has(message)) return;
    this.seen.add(message);
    this.list.push(message);
  }

  readonly report: Report = (kind, path) => this.add(`${kind} field ${JSON.stringify(path)}`);
}

/** Unknown and duplicate fields of a raw JSON text, in document order (`unknown field "spec.x"`). */
export function scanJson(text: string, shape: Shape): string[] {
  return scanJsonCounting(text, shape).problems;
}

/** scanJson, plus how many unknown fields it met (before deduplication and the cap). */
function scanJsonCounting(text: string, shape: Shape): { problems: string[]; unknown: number } {
  const problems = new Problems();
  let unknown = 0;
  new JsonScanner(text, (kind, path) => {
    if (kind === 'unknown') unknown++;
    problems.report(kind, path);
  }).scan(shape);
  return { problems: problems.list, unknown };
}

// ---------------------------------------------------------------------------------------------
// Decoded values: unknown fields in the order a decoder meets them in re-encoded JSON (keys sorted).

interface UnknownField {
  path: string;
  parent: Record<string, unknown>;
  key: string;
}

function collectUnknown(value: unknown, shape: Shape, path: string, out: UnknownField[], knownFirst: boolean): void {
  if (Array.isArray(value)) {
    const items = shape.kind === 'list' ? shape.items : undefined;
    if (items) value.forEach((v, i) => collectUnknown(v, items, `${path}[${i}]`, out, knownFirst));
    return;
  }
  if (!isPlainObject(value)) return;
  const keys = Object.keys(value).sort();
  if (shape.kind === 'map') {
    for (const key of keys) collectUnknown(value[key], shape.values, join(path, key), out, knownFirst);
    return;
  }
  if (shape.kind !== 'struct') return;
  const unknown: string[] = [];
  for (const key of keys) {
    const field = shape.field(key);
    if (field === undefined) {
      if (knownFirst) unknown.push(key);
      else out.push({ path: join(path, key), parent: value, key });
    } else collectUnknown(value[key], field, join(path, key), out, knownFirst);
  }
  for (const key of unknown) out.push({ path: join(path, key), parent: value, key });
}

/**
 * Unknown field paths of a decoded value. Keys are visited sorted (the order in which upstream
 * re-decodes a patched document); `knownFirst` reports a struct's unknown keys after its known
 * fields, as the unstructured converter behind strategic merge patch does.
 */
export function unknownFieldPaths(value: unknown, shape: Shape, options: { knownFirst?: boolean } = {}): string[] {
  const out: UnknownField[] = [];
  collectUnknown(value, shape, '', out, options.knownFirst ?? false);
  return out.map((f) => f.path);
}

/**
 * Removes the unknown fields of a (mutable) decoded value in place and returns their paths.
 * Paths in `keep` stay: fields the stored object already had are not the request's doing.
 */
export function pruneUnknownFields(value: unknown, shape: Shape, options: { knownFirst?: boolean; keep?: ReadonlySet<string> } = {}): string[] {
  const out: UnknownField[] = [];
  collectUnknown(value, shape, '', out, options.knownFirst ?? false);
  const removed: string[] = [];
  for (const field of out) {
    if (options.keep?.has(field.path)) continue;
    delete field.parent[field.key];
    removed.push(field.path);
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// YAML bodies: duplicate keys anywhere, reported as go-yaml does.

/** `line N: key "x" already set in map` for every repeated mapping key, in document order. */
export function yamlDuplicateKeys(text: string): string[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  const out: string[] = [];
  visit(doc, {
    Map(_, node) {
      if (!isMap(node)) return;
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const value = isScalar(key) ? key.value : key;
        const id = JSON.stringify(value);
        if (seen.has(id)) {
          const line = isScalar(key) && key.range ? lines.linePos(key.range[0]).line : 0;
          out.push(`line ${line}: key ${typeof value === 'string' ? JSON.stringify(value) : String(value)} already set in map`);
        }
        seen.add(id);
      }
    },
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Outcomes.

/** `strict decoding error: a, b, c` (upstream's runtime.NewStrictDecodingError). */
export function strictDecodingMessage(problems: readonly string[]): string {
  return `strict decoding error: ${problems.join(', ')}`;
}

/** The text of each Warning header for a list of problems (a YAML error splits into its lines). */
export function warningTexts(problems: readonly string[]): string[] {
  const out: string[] = [];
  for (const problem of problems) {
    const body = problem.startsWith('yaml: unmarshal errors:\n') ? problem.slice('yaml: unmarshal errors:\n'.length) : problem;
    for (const line of body.split('\n')) out.push(line.trim());
  }
  return [...new Set(out)];
}

/** A Warning header value: `299 - "<text with \" and \\ escaped>"`. */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** What a decode step found: problems to warn about (empty when there were none or Ignore). */
export interface FieldValidationResult {
  warnings: string[];
}

function yamlError(duplicates: readonly string[]): string[] {
  return duplicates.length ? [`yaml: unmarshal errors:\n${duplicates.map((d) => `  ${d}`).join('\n')}`] : [];
}

/**
 * Field validation of a create or update body: removes unknown fields from `body` (in place) and
 * returns the warnings, or throws the Strict rejection. `raw` is the request's text; `format` is
 * how it was decoded. Protobuf bodies carry no unknown fields and are not checked.
 */
export function validateObjectBody(
  def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>,
  body: unknown,
  raw: string,
  format: 'json' | 'yaml',
  directive: FieldValidationDirective,
  keep?: ReadonlySet<string>,
): FieldValidationResult {
  const shape = kindShape(def);
  let problems: string[] = [];
  // The scan of a JSON text meets every unknown field the decoded body has: none met, none to prune.
  let unknownInText: number | undefined;
  if (directive !== 'Ignore') {
    if (format === 'json') ({ problems, unknown: unknownInText } = scanJsonCounting(raw, shape));
    else problems = [...yamlError(yamlDuplicateKeys(raw)), ...unknownFieldPaths(body, shape).map((p) => `unknown field ${JSON.stringify(p)}`)];
    if (keep?.size) problems = problems.filter((p) => !(p.startsWith('unknown field ') && keep.has(JSON.parse(p.slice('unknown field '.length)) as string)));
  }
  if (problems.length && directive === 'Strict') {
    throw new StatusError(400, 'BadRequest', `${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ${strictDecodingMessage(problems)}`);
  }
  if (unknownInText !== 0) pruneUnknownFields(body, shape, { keep });
  return { warnings: directive === 'Warn' ? warningTexts(problems) : [] };
}

/** The unknown field paths a stored object already has (kept through updates and patches). */
export function existingUnknownFields(def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>, current: unknown): Set<string> {
  return new Set(unknownFieldPaths(current, kindShape(def)));
}

export type PatchFormat = 'json-patch' | 'merge-patch' | 'strategic-merge-patch';

/** Problems found in the patch document itself, before it is applied. */
export function patchDocumentProblems(raw: string, format: PatchFormat, directive: FieldValidationDirective): string[] {
  if (directive === 'Ignore') return [];
  if (format === 'json-patch') return scanJson(raw, JSON_PATCH_OPS).map((p) => `json patch ${p}`);
  return scanJson(raw, ANY);
}

/**
 * Field validation of a patched object: removes the unknown fields the patch brought in (those
 * the current object did not already have) and returns the warnings, or throws upstream's 422.
 * `patchProblems` come from patchDocumentProblems; `patch` is the decoded patch document.
 */
export function validatePatchedObject(
  def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>,
  patched: unknown,
  current: unknown,
  format: PatchFormat,
  patch: unknown,
  patchProblems: readonly string[],
  directive: FieldValidationDirective,
): FieldValidationResult {
  const shape = kindShape(def);
  const knownFirst = format === 'strategic-merge-patch';
  const keep = existingUnknownFields(def, current);
  const unknown = directive === 'Ignore' ? [] : unknownFieldPaths(patched, shape, { knownFirst }).filter((p) => !keep.has(p));
  const problems = [...patchProblems, ...unknown.map((p) => `unknown field ${JSON.stringify(p)}`)];
  const deduped = [...new Set(problems)].slice(0, MAX_PROBLEMS);
  if (deduped.length && directive === 'Strict') {
    // The rejected value is the patched document (json and merge patches, as compact JSON with
    // sorted keys) or the patch as Go prints a map (strategic merge patch).
    const value = format === 'strategic-merge-patch' ? goMapString(patch) : JSON.stringify(sortedJson(patched));
    const detail = `Invalid value: ${JSON.stringify(value)}: ${strictDecodingMessage(deduped)}`;
    throw new StatusError(422, 'Invalid', ` "" is invalid: patch: ${detail}`, { causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'patch' }] });
  }
  pruneUnknownFields(patched, shape, { knownFirst, keep });
  return { warnings: directive === 'Warn' ? warningTexts(deduped) : [] };
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (isPlainObject(value)) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedJson(value[k])]));
  return value;
}

/**
 * Field validation of a server-side apply body. Upstream checks only for duplicate keys here
 * (sigs.k8s.io/yaml's strict unmarshal; unknown fields fail the apply itself, whatever the
 * directive): Strict is 400 `error strict decoding YAML: ...`, Warn one warning per duplicate.
 */
export function validateApplyPatch(raw: string, directive: FieldValidationDirective): FieldValidationResult {
  if (directive === 'Ignore') return { warnings: [] };
  let duplicates: string[];
  try {
    duplicates = yamlDuplicateKeys(raw);
  } catch {
    return { warnings: [] }; // not YAML at all: the apply reports that
  }
  if (!duplicates.length) return { warnings: [] };
  if (directive === 'Strict') {
    throw new StatusError(400, 'BadRequest', `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n${duplicates.map((d) => `  ${d}`).join('\n')}`);
  }
  return { warnings: duplicates };
}

/** A decoded JSON value as Go's fmt prints a map[string]interface{} with %+v. */
export function goMapString(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goMapString).join(' ')}]`;
  if (isPlainObject(value)) return `map[${Object.keys(value).sort().map((k) => `${k}:${goMapString(value[k])}`).join(' ')}]`;
  return String(value);
}
