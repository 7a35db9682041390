// Shared validators with upstream's field paths and messages (k8s.io/apimachinery validation,
// pkg/apis/core/validation), and Quantity parsing. Validators return FieldError[] and never mutate.
// Values inside messages are rendered the way Go's field.Error renders them (%q, %#v or String()).
import { isIP } from 'node:net';
import type { LabelSelector, LabelSelectorRequirement, ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type {
  Affinity,
  Container,
  ContainerPort,
  EnvVar,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodAffinityTerm,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ResourceRequirements,
  Toleration,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { duplicate, forbiddenField, invalidValue, notSupported, required, tooLong, type FieldError } from './field-errors.js';
import { isPlainObject, jsonEqual } from '../store/object.js';

// ---------------------------------------------------------------------------------------------
// Field paths and Go renderings
// ---------------------------------------------------------------------------------------------

/** `a.b`, or `b` at the root (field.Path.Child). */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** `a[i]` (field.Path.Index) and `a[key]` (field.Path.Key): upstream prints keys unquoted. */
export function index(path: string, i: number | string): string {
  return `${path}[${i}]`;
}

/** An Invalid error whose value is already rendered (Go %#v or String() output, unquoted). */
export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${rendered}${detail ? `: ${detail}` : ''}` };
}

/** A NotSupported error whose value is already rendered. */
export function notSupportedRendered(field: string, rendered: string, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return { type: 'FieldValueNotSupported', field, message: `Unsupported value: ${rendered}: supported values: ${list}` };
}

/** A Duplicate error whose value is already rendered, with upstream's optional detail. */
export function duplicateRendered(field: string, rendered: string, detail = ''): FieldError {
  return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${rendered}${detail ? `: ${detail}` : ''}` };
}

/** field.NotFound: field-errors.ts has no constructor (nor union member) for it yet. */
function notFound(field: string, value: string): FieldError {
  return { type: 'FieldValueNotFound', field, message: `Not found: ${JSON.stringify(value)}` } as unknown as FieldError;
}

/** Go's %#v of a map[string]string: keys sorted, `map[string]string{"k":"v", ...}`; nil prints `(nil)`. */
export function goStringMap(map: Readonly<Record<string, string>> | undefined | null): string {
  if (!isPlainObject(map)) return 'map[string]string(nil)';
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(map[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** Go's %#v of a []string. */
function goStringSlice(values: readonly string[] | undefined): string {
  if (!Array.isArray(values)) return '[]string(nil)';
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** metav1.LabelSelector's generated String() (what field errors print for a *LabelSelector). */
export function goLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return 'null';
  const labels = sel.matchLabels ?? {};
  const ml = Object.keys(labels)
    .sort()
    .map((k) => `${k}: ${labels[k]},`)
    .join('');
  const exprs = (sel.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${ml}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** intstr.IntOrString's String(): the string as is, or the integer. */
export function goIntOrString(v: unknown): string {
  return typeof v === 'string' ? v : String(typeof v === 'number' ? Math.trunc(v) : 0);
}

/** A pointer field in %#v output; addresses cannot match upstream, only the shape can. */
function goPointer(type: string, v: unknown): string {
  return v === undefined || v === null ? `(${type})(nil)` : `(${type})(0xc000010000)`;
}

function goToleration(t: Toleration): string {
  return (
    `core.Toleration{Key:${JSON.stringify(t.key ?? '')}, Operator:${JSON.stringify(t.operator ?? '')}, ` +
    `Value:${JSON.stringify(t.value ?? '')}, Effect:${JSON.stringify(t.effect ?? '')}, ` +
    `TolerationSeconds:${goPointer('*int64', t.tolerationSeconds)}}`
  );
}

// ---------------------------------------------------------------------------------------------
// String formats (k8s.io/apimachinery/pkg/util/validation)
// ---------------------------------------------------------------------------------------------

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const percentFmt = '[0-9]+%';
const percentRe = new RegExp(`^${percentFmt}$`);
const httpHeaderNameFmt = '[-A-Za-z0-9]+';
const configMapKeyFmt = '[-._a-zA-Z0-9]+';

/** validation.RegexError, including upstream's double space before " or". */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) out += ' or ';
    out += `'${ex}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** IsDNS1123Label: messages for a lowercase RFC 1123 label (≤ 63). */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          dns1123LabelFmt,
          'my-name',
          '123-abc',
        ),
      );
  }
  return errs;
}

/** IsDNS1123Subdomain: messages for a lowercase RFC 1123 subdomain (≤ 253). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value))
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        dns1123SubdomainFmt,
        'example.com',
      ),
    );
  return errs;
}

const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** IsQualifiedName: label keys, annotation keys, finalizers (optional DNS-subdomain prefix + '/'). */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue: empty, or a qualified-name-shaped string of at most 63 characters. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFmt,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errs;
}

/** IsValidPortName (IANA_SVC_NAME). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** IsValidPercent: `<digits>%`. */
export function isValidPercent(s: string): string[] {
  return percentRe.test(s)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%')];
}

/** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since 1.32). */
function isRelaxedEnvVarName(value: string): string[] {
  if (value.length === 0) return ['environment variable name must be non-empty'];
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7e || c < 0x20 || ch === '=') return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
  }
  return [];
}

function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!new RegExp(`^${configMapKeyFmt}$`).test(value))
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function validateIP(path: string, value: string): FieldError[] {
  return isIP(value) ? [] : [invalidValue(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

// ---------------------------------------------------------------------------------------------
// Names (k8s.io/apimachinery/pkg/api/validation/generic.go)
// ---------------------------------------------------------------------------------------------

/** A name validator: messages for `name`; `prefix` means it is a generateName (trailing dash allowed). */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Which name rule a kind uses: DNS-1123 subdomain (most kinds), DNS-1123 label, or a bare path segment. */
export type NameRule = 'subdomain' | 'label' | 'path-segment';

// Upstream's quirk, kept: it drops two characters, not one, before appending the 'a'.
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** NameIsDNSSubdomain. */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** NameIsDNSLabel (also ValidateNamespaceName). */
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** path.ValidatePathSegmentName: what the generic registry checks for every kind's name. */
export const validatePathSegmentName: NameValidator = (name, prefix) => {
  const errs: string[] = [];
  if (!prefix && (name === '.' || name === '..')) errs.push(`may not be '${name}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

export function nameValidatorFor(rule: NameRule): NameValidator {
  return rule === 'label' ? nameIsDNSLabel : rule === 'subdomain' ? nameIsDNSSubdomain : validatePathSegmentName;
}

// ---------------------------------------------------------------------------------------------
// Small field validators
// ---------------------------------------------------------------------------------------------

/** ValidateNonnegativeField: `must be greater than or equal to 0`. */
export function validateNonnegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalidValue(path, value, 'must be greater than or equal to 0')] : [];
}

/** ValidateImmutableField: `field is immutable` with the new value rendered (by `render`, only when it changed). */
export function validateImmutable(newValue: unknown, oldValue: unknown, path: string, render?: () => string): FieldError[] {
  if (jsonEqual(newValue ?? null, oldValue ?? null)) return [];
  return [render !== undefined ? invalidRendered(path, render(), 'field is immutable') : invalidValue(path, newValue ?? null, 'field is immutable')];
}

/** ValidateLabelName: a label key (qualified name). */
export function validateLabelName(key: string, path: string): FieldError[] {
  return isQualifiedName(key).map((m) => invalidValue(path, key, m));
}

/**
 * Frozen label maps found valid. Stored objects are frozen and a write keeps the parts it does not
 * change, shared between objects alike, so every status write of a pod would check the same map
 * again; validity does not depend on the path it is reported on.
 */
const validLabelMaps = new WeakSet<object>();

/** ValidateLabels: keys and values, all reported on the map's own path. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (!isPlainObject(labels) || validLabelMaps.has(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, path));
    errs.push(...isValidLabelValue(String(v ?? '')).map((m) => invalidValue(path, String(v ?? ''), m)));
  }
  if (errs.length === 0 && Object.isFrozen(labels)) validLabelMaps.add(labels);
  return errs;
}

const totalAnnotationSizeLimit = 256 * 1024;

/** ValidateAnnotations: case-insensitive qualified-name keys, 256 KiB in total. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (!isPlainObject(annotations)) return [];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    errs.push(...isQualifiedName(k.toLowerCase()).map((m) => invalidValue(path, k, m)));
    total += byteLength(k) + byteLength(String(v ?? ''));
  }
  if (total > totalAnnotationSizeLimit) errs.push(tooLong(path, totalAnnotationSizeLimit));
  return errs;
}

function goOwnerReference(r: OwnerReference): string {
  const ptr = (b: boolean | undefined): string => (b === undefined ? 'nil' : `*${b}`);
  return `&OwnerReference{Kind:${r.kind ?? ''},Name:${r.name ?? ''},UID:${r.uid ?? ''},APIVersion:${r.apiVersion ?? ''},Controller:${ptr(r.controller)},BlockOwnerDeletion:${ptr(r.blockOwnerDeletion)},}`;
}

/** ValidateOwnerReferences: required parts (reported without an index, as upstream does), one controller. */
export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs as OwnerReference[]) {
    const apiVersion = ref.apiVersion ?? '';
    const slash = apiVersion.indexOf('/');
    const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    if (!version) errs.push(invalidValue(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!ref.kind) errs.push(invalidValue(child(path, 'kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalidValue(child(path, 'name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalidValue(child(path, 'uid'), ref.uid ?? '', 'must not be empty'));
    if (group === '' && version === 'v1' && ref.kind === 'Event')
      errs.push(invalidRendered(path, goOwnerReference(ref), '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const name = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController) {
        const list = (refs as OwnerReference[])
          .map(
            (r) =>
              `v1.OwnerReference{APIVersion:${JSON.stringify(r.apiVersion ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}, UID:${JSON.stringify(r.uid ?? '')}, Controller:${goPointer('*bool', r.controller)}, BlockOwnerDeletion:${goPointer('*bool', r.blockOwnerDeletion)}}`,
          )
          .join(', ');
        errs.push(
          invalidRendered(path, `[]v1.OwnerReference{${list}}`, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`),
        );
      } else firstController = name;
    }
  }
  return errs;
}

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** ValidateFinalizers plus core's validateKubeFinalizerName (unprefixed names must be standard). */
export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  const list = finalizers.map(String);
  for (const f of list) errs.push(...isQualifiedName(f).map((m) => invalidValue(path, f, m)));
  if (list.includes('orphan') && list.includes('foregroundDeletion'))
    errs.push(invalidRendered(path, goStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'));
  errs.push(...validateKubeFinalizerNames(list, path));
  return errs;
}

function validateKubeFinalizerNames(list: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  list.forEach((f, i) => {
    if (!f.includes('/') && !standardFinalizers.has(f))
      errs.push(invalidValue(index(path, i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ObjectMeta
// ---------------------------------------------------------------------------------------------

/** Declares a kind's name rule; kind strategies carry it (`nameRule`), so the registry can find it. */
export interface NameRuled {
  readonly nameRule?: NameRule;
}

/** What metadata validation needs to know of a kind: whether it is namespaced, and its name rule (default subdomain). */
export interface MetaRules {
  namespaced: boolean;
  nameRule?: NameRule | NameValidator;
  /** The kind's strategy; its `nameRule`, when present, is used if `nameRule` is not given. */
  strategy?: object;
}

function nameValidatorOf(rules: MetaRules): NameValidator {
  const rule = rules.nameRule ?? (rules.strategy as NameRuled | undefined)?.nameRule ?? 'subdomain';
  return typeof rule === 'function' ? rule : nameValidatorFor(rule);
}

/** ValidateObjectMeta (create): name or generateName, name format, namespace iff namespaced, labels, annotations, owners, finalizers. */
export function validateObjectMetaCreate(meta: ObjectMeta | undefined, rules: MetaRules): FieldError[] {
  const path = 'metadata';
  const m = meta ?? {};
  const nameFn = nameValidatorOf(rules);
  const errs: FieldError[] = [];
  if (m.generateName) errs.push(...nameFn(m.generateName, true).map((msg) => invalidValue(child(path, 'generateName'), m.generateName, msg)));
  if (!m.name) {
    // The registry generates the name first; a bare generateName is judged by itself.
    if (!m.generateName) errs.push(required(child(path, 'name'), 'name or generateName is required'));
  } else {
    errs.push(...nameFn(m.name, false).map((msg) => invalidValue(child(path, 'name'), m.name, msg)));
  }
  errs.push(...validateMetaCommon(m, rules.namespaced, path));
  errs.push(...validateFinalizers(m.finalizers, child(path, 'finalizers')));
  return errs;
}

function validateMetaCommon(m: ObjectMeta, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (namespaced) {
    if (!m.namespace) errs.push(required(child(path, 'namespace')));
    else errs.push(...nameIsDNSLabel(m.namespace, false).map((msg) => invalidValue(child(path, 'namespace'), m.namespace, msg)));
  } else if (m.namespace) {
    errs.push(forbiddenField(child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegative(m.generation, child(path, 'generation')));
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  return errs;
}

/** Go's time.Time String() for an RFC 3339 timestamp (what an immutable-timestamp error prints). */
function goTime(value: unknown): string {
  if (typeof value !== 'string') return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

/**
 * ValidateObjectMetaUpdate: immutable identity fields, generation never decreases, labels, annotations,
 * owners, finalizer names. (No-new-finalizers-while-deleting is the registry's, for every subresource.)
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, _rules?: MetaRules): FieldError[] {
  const path = 'metadata';
  const m = meta ?? {};
  const o = oldMeta ?? {};
  const errs: FieldError[] = [];
  if ((m.generation ?? 0) < (o.generation ?? 0)) errs.push(invalidValue(child(path, 'generation'), m.generation ?? 0, 'must not be decremented'));
  errs.push(...validateImmutable(m.name ?? '', o.name ?? '', child(path, 'name')));
  errs.push(...validateImmutable(m.namespace ?? '', o.namespace ?? '', child(path, 'namespace')));
  errs.push(...validateImmutable(m.uid ?? '', o.uid ?? '', child(path, 'uid')));
  errs.push(...validateImmutable(m.creationTimestamp, o.creationTimestamp, child(path, 'creationTimestamp'), () => goTime(m.creationTimestamp)));
  errs.push(...validateImmutable(m.deletionTimestamp, o.deletionTimestamp, child(path, 'deletionTimestamp'), () => (m.deletionTimestamp ? goTime(m.deletionTimestamp) : 'null')));
  errs.push(...validateImmutable(m.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds, child(path, 'deletionGracePeriodSeconds')));
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  errs.push(...validateKubeFinalizerNames((m.finalizers ?? []).map(String), child(path, 'finalizers')));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Label selectors (metav1 validation and LabelSelectorAsSelector semantics)
// ---------------------------------------------------------------------------------------------

/** ValidateLabelSelector: matchLabels, and each expression's operator, values and key. */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string, opts: { allowInvalidLabelValue?: boolean } = {}): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, child(path, 'matchLabels'));
  (sel.matchExpressions ?? []).forEach((expr, i) => errs.push(...validateLabelSelectorRequirement(expr, index(child(path, 'matchExpressions'), i), opts)));
  return errs;
}

function validateLabelSelectorRequirement(expr: LabelSelectorRequirement, path: string, opts: { allowInvalidLabelValue?: boolean }): FieldError[] {
  const errs: FieldError[] = [];
  const values = expr.values ?? [];
  switch (expr.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbiddenField(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalidValue(child(path, 'operator'), expr.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(expr.key ?? '', child(path, 'key')));
  if (!opts.allowInvalidLabelValue)
    values.forEach((v, i) => errs.push(...isValidLabelValue(v).map((m) => invalidValue(index(child(path, 'values'), i), v, m))));
  return errs;
}

/** A predicate over labels; undefined when LabelSelectorAsSelector would fail. Nil matches nothing, {} everything. */
export function labelSelectorPredicate(sel: LabelSelector | undefined | null): ((labels: Readonly<Record<string, string>> | undefined) => boolean) | undefined {
  if (!sel) return () => false;
  const checks: Array<(l: Readonly<Record<string, string>>) => boolean> = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (isQualifiedName(k).length > 0 || isValidLabelValue(String(v)).length > 0) return undefined;
    checks.push((l) => Object.hasOwn(l, k) && l[k] === v);
  }
  for (const e of sel.matchExpressions ?? []) {
    const key = e.key ?? '';
    const values = e.values ?? [];
    if (isQualifiedName(key).length > 0) return undefined;
    switch (e.operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0 || values.some((v) => isValidLabelValue(v).length > 0)) return undefined;
        const set = new Set(values);
        const isIn = e.operator === 'In';
        checks.push((l) => (Object.hasOwn(l, key) && set.has(l[key]!)) === isIn);
        break;
      }
      case 'Exists':
      case 'DoesNotExist': {
        if (values.length > 0) return undefined;
        const exists = e.operator === 'Exists';
        checks.push((l) => Object.hasOwn(l, key) === exists);
        break;
      }
      default:
        return undefined;
    }
  }
  return (labels) => checks.every((c) => c(labels ?? {}));
}

// ---------------------------------------------------------------------------------------------
// Quantities (k8s.io/apimachinery/pkg/api/resource)
// ---------------------------------------------------------------------------------------------

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/** An exact quantity: `value × 10^scale`, with the format its suffix implies. */
export interface ExactQuantity {
  value: bigint;
  scale: number;
  format: QuantityFormat;
}

export const quantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** Parses a Quantity exactly (upstream's grammar, rounded up to nano precision); undefined when malformed. The result is frozen. */
export function parseQuantityExact(input: unknown): ExactQuantity | undefined {
  if (typeof input === 'number' && Number.isFinite(input)) input = String(input);
  if (typeof input !== 'string' || input.length === 0) return undefined;
  // Every pod write parses the same few quantities (decode, defaults, validation, QoS): remember them.
  let q = PARSED_QUANTITIES.get(input);
  if (q === undefined && !PARSED_QUANTITIES.has(input)) {
    q = parseQuantityText(input);
    if (q) Object.freeze(q);
    if (PARSED_QUANTITIES.size >= 4096) PARSED_QUANTITIES.clear();
    PARSED_QUANTITIES.set(input, q);
  }
  return q;
}

const PARSED_QUANTITIES = new Map<string, ExactQuantity | undefined>();

function parseQuantityText(input: string): ExactQuantity | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(input);
  if (!m) return undefined;
  const [, sign, whole, frac = '', suffix = ''] = m;
  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (Object.hasOwn(decimalSuffixes, suffix)) {
    format = 'DecimalSI';
    exp10 = decimalSuffixes[suffix]!;
  } else if (Object.hasOwn(binarySuffixes, suffix)) {
    format = 'BinarySI';
    exp2 = binarySuffixes[suffix]!;
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number.parseInt(suffix.slice(1), 10);
  } else {
    return undefined;
  }
  let value = BigInt(`${whole || '0'}${frac}`) * (1n << BigInt(exp2));
  let scale = exp10 - frac.length;
  // Round magnitudes up to nano precision, as upstream does, so a tiny request is never zero.
  if (scale < -9 && value !== 0n) {
    value = divideRoundingUp(value, 10n ** BigInt(-9 - scale));
    scale = -9;
  }
  if (sign === '-') value = -value;
  if (format === 'BinarySI' && value > 0n && compareExact({ value, scale, format }, { value: 1n, scale: 0, format }) < 0) format = 'DecimalSI';
  return normalize({ value, scale, format });
}

function divideRoundingUp(magnitude: bigint, divisor: bigint): bigint {
  const q = magnitude / divisor;
  return magnitude % divisor === 0n ? q : q + 1n;
}

function normalize(q: ExactQuantity): ExactQuantity {
  let { value, scale } = q;
  if (value === 0n) return { value: 0n, scale: 0, format: q.format };
  while (value % 10n === 0n) {
    value /= 10n;
    scale += 1;
  }
  return { value, scale, format: q.format };
}

function compareExact(a: ExactQuantity, b: ExactQuantity): number {
  const s = Math.min(a.scale, b.scale);
  const av = a.value * 10n ** BigInt(a.scale - s);
  const bv = b.value * 10n ** BigInt(b.scale - s);
  return av < bv ? -1 : av > bv ? 1 : 0;
}

/** Parses a Quantity into a number of base units (cores, bytes); undefined when malformed. */
export function parseQuantity(s: unknown): number | undefined {
  const q = parseQuantityExact(s);
  if (!q) return undefined;
  return q.scale >= 0 ? Number(q.value) * 10 ** q.scale : Number(q.value) / 10 ** -q.scale;
}

/** Compares two quantities exactly; undefined when either is malformed. */
export function compareQuantities(a: unknown, b: unknown): number | undefined {
  const qa = parseQuantityExact(a);
  const qb = parseQuantityExact(b);
  return qa && qb ? compareExact(qa, qb) : undefined;
}

/** Rounds a quantity up (away from zero) to 10^scale, as SetDefaults_ResourceList does with milli. */
export function roundQuantityUp(q: ExactQuantity, scale: number): ExactQuantity {
  if (q.scale >= scale) return q;
  const divisor = 10n ** BigInt(scale - q.scale);
  const negative = q.value < 0n;
  const magnitude = divideRoundingUp(negative ? -q.value : q.value, divisor);
  return normalize({ value: negative ? -magnitude : magnitude, scale, format: q.format });
}

const decimalSuffixByExponent: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const binarySuffixByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Quantity.String(): the canonical form the apiserver stores and serves ("1.5" → "1500m", "1024Mi" → "1Gi"). */
export function formatQuantity(q: ExactQuantity): string {
  if (q.value === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const small = compareExact(q, { value: -1024n, scale: 0, format }) > 0 && compareExact(q, { value: 1024n, scale: 0, format }) < 0;
    if (small || q.scale < 0) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let amount = q.value * 10n ** BigInt(q.scale);
    let power = 0;
    while (power < 6 && amount % 1024n === 0n) {
      amount /= 1024n;
      power += 1;
    }
    return `${amount}${binarySuffixByPower[power]}`;
  }
  let { value, scale } = q;
  // Upstream keeps the exponent a multiple of three and the mantissa an integer.
  const rem = ((scale % 3) + 3) % 3;
  if (rem !== 0) {
    value *= 10n ** BigInt(rem);
    scale -= rem;
  }
  if (format === 'DecimalExponent') return scale === 0 ? `${value}` : `${value}e${scale}`;
  const suffix = decimalSuffixByExponent[scale];
  return suffix !== undefined ? `${value}${suffix}` : `${value}e${scale}`;
}

/** Canonicalizes a quantity string; undefined when malformed. */
export function canonicalQuantity(s: unknown, roundToScale?: number): string | undefined {
  const q = parseQuantityExact(s);
  if (!q) return undefined;
  return formatQuantity(roundToScale === undefined ? q : roundQuantityUp(q, roundToScale));
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

const standardResourceNames = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const standardContainerResourceNames = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

const integerResourceNames = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

function isIntegerResourceName(name: string): boolean {
  return integerResourceNames.has(name) || isExtendedResourceName(name);
}

function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalidValue(path, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!standardResourceNames.has(name) && !isHugePageResourceName(name)) errs.push(invalidValue(path, name, 'must be a standard resource type or fully qualified'));
    if (!standardContainerResourceNames.has(name) && !isHugePageResourceName(name)) errs.push(invalidValue(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalidValue(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue (plus the decode check upstream does first): well-formed, ≥ 0, integral for pods and extended resources. */
export function validateResourceQuantity(name: string, value: unknown, path: string): FieldError[] {
  const q = parseQuantityExact(value);
  if (!q) return [invalidValue(path, typeof value === 'string' ? value : JSON.stringify(value ?? null), quantityFormatError)];
  const errs: FieldError[] = [];
  if (q.value < 0n) errs.push(invalidValue(path, formatQuantity(q), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(name) && roundQuantityUp(q, -3).scale < 0) errs.push(invalidRendered(path, formatQuantity(q), 'must be an integer'));
  return errs;
}

/** ValidateResourceRequirements: names, quantities, requests ≤ limits (= for extended resources). */
export function validateResourceRequirements(res: ResourceRequirements | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = isPlainObject(res?.limits) ? (res!.limits as Record<string, unknown>) : {};
  const requests = isPlainObject(res?.requests) ? (res!.requests as Record<string, unknown>) : {};
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, q] of Object.entries(limits)) {
    const p = index(limPath, name);
    errs.push(...validateContainerResourceName(name, p), ...validateResourceQuantity(name, q, p));
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = index(reqPath, name);
    errs.push(...validateContainerResourceName(name, p), ...validateResourceQuantity(name, q, p));
    if (Object.hasOwn(limits, name)) {
      const cmp = compareQuantities(q, limits[name]);
      const reqStr = canonicalQuantity(q);
      const limStr = canonicalQuantity(limits[name]);
      if (cmp !== undefined && cmp !== 0 && !isOvercommitAllowed(name))
        errs.push(invalidValue(reqPath, reqStr, `must be equal to ${name} limit of ${limStr}`));
      else if (cmp !== undefined && cmp > 0) errs.push(invalidValue(reqPath, reqStr, `must be less than or equal to ${name} limit of ${limStr}`));
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (hugePages && !cpuOrMemory) errs.push(forbiddenField(path, 'HugePages require cpu or memory'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Pod templates and pod specs (pkg/apis/core/validation)
// ---------------------------------------------------------------------------------------------

/** Options of pod spec validation: `resourceIsPod` enables the checks only pods (not templates) get. */
export interface PodValidationOptions {
  resourceIsPod?: boolean;
}

/** ValidatePodTemplateSpec: labels (at `<path>.labels`, upstream's path), annotations, spec; no ephemeral containers. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string, opts: PodValidationOptions = {}): FieldError[] {
  const t = template ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(t.metadata?.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(t.metadata?.annotations, child(path, 'annotations')));
  errs.push(...validatePodSpec(t.spec, child(path, 'spec'), opts));
  if ((t.spec?.ephemeralContainers ?? []).length > 0)
    errs.push(forbiddenField(child(child(path, 'spec'), 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  return errs;
}

const volumeSourceKeys = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs', 'flocker',
  'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap', 'azureFile',
  'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral', 'image',
] as const;
// Upstream reports these two sources under other names (typos included).
const volumeSourceErrorNames: Record<string, string> = { cephfs: 'cephFS', downwardAPI: 'downwarAPI' };

function validateVolumes(volumes: readonly Volume[], path: string): { names: Set<string>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((vol, i) => {
    const p = index(path, i);
    const el: FieldError[] = [];
    let sources = 0;
    const v = vol as unknown as Record<string, unknown>;
    for (const key of volumeSourceKeys) {
      if (v[key] === undefined || v[key] === null) continue;
      if (sources > 0) {
        el.push(forbiddenField(child(p, volumeSourceErrorNames[key] ?? key), 'may not specify more than 1 volume type'));
        continue;
      }
      sources++;
      el.push(...validateVolumeSource(key, v[key] as Record<string, unknown>, child(p, key)));
    }
    if (sources === 0) el.push(required(p, 'must specify a volume type'));
    const name = vol.name ?? '';
    if (!name) el.push(required(child(p, 'name')));
    else el.push(...isDNS1123Label(name).map((m) => invalidValue(child(p, 'name'), name, m)));
    if (names.has(name)) el.push(duplicate(child(p, 'name'), name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { names, errs };
}

function validateVolumeSource(key: string, src: Record<string, unknown>, path: string): FieldError[] {
  switch (key) {
    case 'hostPath':
      return src.path ? [] : [required(child(path, 'path'))];
    case 'secret':
      return src.secretName ? [] : [required(child(path, 'secretName'))];
    case 'configMap':
      return src.name ? [] : [required(child(path, 'name'))];
    case 'persistentVolumeClaim':
      return src.claimName ? [] : [required(child(path, 'claimName'))];
    case 'emptyDir': {
      const limit = src.sizeLimit;
      const q = limit === undefined || limit === null ? undefined : parseQuantityExact(limit);
      return q && q.value < 0n ? [forbiddenField(child(path, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity')] : [];
    }
    default:
      return [];
  }
}

const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];

function validateContainerPorts(ports: readonly ContainerPort[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index(path, i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length > 0) errs.push(...msgs.map((m) => invalidValue(child(p, 'name'), port.name, m)));
      else if (names.has(port.name)) errs.push(duplicate(child(p, 'name'), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(child(p, 'containerPort')));
    else errs.push(...isValidPortNum(port.containerPort).map((m) => invalidValue(child(p, 'containerPort'), port.containerPort, m)));
    if (port.hostPort) errs.push(...isValidPortNum(port.hostPort).map((m) => invalidValue(child(p, 'hostPort'), port.hostPort, m)));
    if (!port.protocol) errs.push(required(child(p, 'protocol')));
    else if (!supportedPortProtocols.includes(port.protocol)) errs.push(notSupported(child(p, 'protocol'), port.protocol, supportedPortProtocols));
  });
  return errs;
}

const envFieldPaths = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const envResourceFields = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function validateEnv(env: readonly EnvVar[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((ev, i) => {
    const p = index(path, i);
    if (!ev.name) errs.push(required(child(p, 'name')));
    else errs.push(...isRelaxedEnvVarName(ev.name).map((m) => invalidValue(child(p, 'name'), ev.name, m)));
    errs.push(...validateEnvVarValueFrom(ev, child(p, 'valueFrom')));
  });
  return errs;
}

function validateEnvVarValueFrom(ev: EnvVar, path: string): FieldError[] {
  const from = ev.valueFrom;
  if (!from) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    const fp = child(path, 'fieldRef');
    if (!from.fieldRef.apiVersion) errs.push(required(child(fp, 'apiVersion')));
    else if (!from.fieldRef.fieldPath) errs.push(required(child(fp, 'fieldPath')));
    else {
      const fieldPath = from.fieldRef.fieldPath;
      const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
      if (sub) errs.push(...isQualifiedName(sub[1] === 'metadata.annotations' ? sub[2]!.toLowerCase() : sub[2]!).map((m) => invalidValue(fp, sub[2], m)));
      else if (!envFieldPaths.includes(fieldPath)) errs.push(notSupported(child(fp, 'fieldPath'), fieldPath, envFieldPaths));
    }
  }
  if (from.resourceFieldRef) {
    sources++;
    const rp = child(path, 'resourceFieldRef');
    const resource = from.resourceFieldRef.resource ?? '';
    if (!resource) errs.push(required(child(rp, 'resource')));
    else if (!envResourceFields.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource))
      errs.push(notSupported(child(rp, 'resource'), resource, envResourceFields));
  }
  for (const [key, label] of [
    ['configMapKeyRef', 'configMapKeyRef'],
    ['secretKeyRef', 'secretKeyRef'],
  ] as const) {
    const ref = from[key];
    if (!ref) continue;
    sources++;
    const rp = child(path, label);
    errs.push(...nameIsDNSSubdomain(ref.name ?? '', false).map((m) => invalidValue(child(rp, 'name'), ref.name ?? '', m)));
    if (!ref.key) errs.push(required(child(rp, 'key')));
    else errs.push(...isConfigMapKey(ref.key).map((m) => invalidValue(child(rp, 'key'), ref.key, m)));
  }
  if (sources === 0) errs.push(invalidValue(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (ev.value) errs.push(invalidValue(path, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(invalidValue(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateEnvFrom(envFrom: NonNullable<Container['envFrom']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  envFrom.forEach((ev, i) => {
    const p = index(path, i);
    if (ev.prefix) errs.push(...isRelaxedEnvVarName(ev.prefix).map((m) => invalidValue(child(p, 'prefix'), ev.prefix, m)));
    let sources = 0;
    for (const key of ['configMapRef', 'secretRef'] as const) {
      const ref = ev[key];
      if (!ref) continue;
      sources++;
      const rp = child(p, key);
      if (!ref.name) errs.push(required(child(rp, 'name')));
      else errs.push(...nameIsDNSSubdomain(ref.name, true).map((m) => invalidValue(child(rp, 'name'), ref.name, m)));
    }
    if (sources === 0) errs.push(invalidValue(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalidValue(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: NonNullable<Container['volumeMounts']>, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  mounts.forEach((mnt, i) => {
    const p = index(path, i);
    if (!mnt.name) errs.push(required(child(p, 'name')));
    if (!volumes.has(mnt.name ?? '')) errs.push(notFound(child(p, 'name'), mnt.name ?? ''));
    if (!mnt.mountPath) errs.push(required(child(p, 'mountPath')));
    if (mountPaths.has(mnt.mountPath ?? '')) errs.push(invalidValue(child(p, 'mountPath'), mnt.mountPath ?? '', 'must be unique'));
    mountPaths.add(mnt.mountPath ?? '');
    if (mnt.subPathExpr && mnt.subPath) errs.push(invalidValue(child(p, 'subPathExpr'), mnt.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
  });
  return errs;
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];

function validateContainerCommon(ctr: Container, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = child(path, 'name');
  if (!ctr.name) errs.push(required(namePath));
  else errs.push(...isDNS1123Label(ctr.name).map((m) => invalidValue(namePath, ctr.name, m)));
  if (!ctr.image) errs.push(required(child(path, 'image')));
  const tmp = ctr.terminationMessagePolicy;
  if (!tmp) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (!terminationMessagePolicies.includes(tmp)) errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, terminationMessagePolicies));
  errs.push(...validateContainerPorts(ctr.ports ?? [], child(path, 'ports')));
  errs.push(...validateEnv(ctr.env ?? [], child(path, 'env')));
  errs.push(...validateEnvFrom(ctr.envFrom ?? [], child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(ctr.volumeMounts ?? [], volumes, child(path, 'volumeMounts')));
  const pull = ctr.imagePullPolicy;
  if (!pull) errs.push(required(child(path, 'imagePullPolicy')));
  else if (!pullPolicies.includes(pull)) errs.push(notSupported(child(path, 'imagePullPolicy'), pull, pullPolicies));
  errs.push(...validateResourceRequirements(ctr.resources, child(path, 'resources')));
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalidValue(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalidValue(path, port, m));
  return isValidPortNum(0).map((m) => invalidValue(path, 0, m));
}

type Handler = Pick<NonNullable<Probe>, 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'> & { sleep?: { seconds?: number } };

function validateHandler(handler: Handler, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  const once = (key: string, check: () => FieldError[]): void => {
    if (count > 0) errs.push(forbiddenField(child(path, key), 'may not specify more than 1 handler type'));
    else {
      count++;
      errs.push(...check());
    }
  };
  if (handler.exec) once('exec', () => ((handler.exec!.command ?? []).length === 0 ? [required(child(child(path, 'exec'), 'command'))] : []));
  if (handler.httpGet)
    once('httpGet', () => {
      const hp = child(path, 'httpGet');
      const h = handler.httpGet!;
      const out: FieldError[] = [];
      if (!h.path) out.push(required(child(hp, 'path')));
      out.push(...validatePortNumOrName(h.port, child(hp, 'port')));
      if (!['HTTP', 'HTTPS'].includes(h.scheme ?? '')) out.push(notSupported(child(hp, 'scheme'), h.scheme ?? '', ['HTTP', 'HTTPS']));
      for (const header of h.httpHeaders ?? [])
        if (!new RegExp(`^${httpHeaderNameFmt}$`).test(header.name ?? ''))
          out.push(invalidValue(child(hp, 'httpHeaders'), header.name ?? '', regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, 'X-Header-Name')));
      return out;
    });
  if (handler.tcpSocket) once('tcpSocket', () => validatePortNumOrName(handler.tcpSocket!.port, child(child(path, 'tcpSocket'), 'port')));
  if (handler.grpc) once('grpc', () => validatePortNumOrName(handler.grpc!.port ?? 0, child(child(path, 'grpc'), 'port')));
  if (handler.sleep)
    once('sleep', () => {
      const seconds = handler.sleep!.seconds ?? 0;
      return seconds <= 0 || (gracePeriod !== undefined && seconds > gracePeriod)
        ? [invalidValue(child(path, 'sleep'), seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod ?? 0})`)]
        : [];
    });
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: Probe | undefined, kind: 'liveness' | 'readiness' | 'startup', gracePeriod: number | undefined, path: string): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, gracePeriod, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const)
    errs.push(...validateNonnegative(probe[f], child(path, f)));
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0)
    errs.push(invalidValue(child(path, 'terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  if (kind !== 'readiness' && probe.successThreshold !== undefined && probe.successThreshold !== 1)
    errs.push(invalidValue(child(path, 'successThreshold'), probe.successThreshold, 'must be 1'));
  if (kind === 'readiness' && probe.terminationGracePeriodSeconds !== undefined)
    errs.push(invalidValue(child(path, 'terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  return errs;
}

function validateLifecycleAndProbes(ctr: Container, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (ctr.lifecycle?.postStart) errs.push(...validateHandler(ctr.lifecycle.postStart, gracePeriod, child(child(path, 'lifecycle'), 'postStart')));
  if (ctr.lifecycle?.preStop) errs.push(...validateHandler(ctr.lifecycle.preStop, gracePeriod, child(child(path, 'lifecycle'), 'preStop')));
  errs.push(...validateProbe(ctr.livenessProbe, 'liveness', gracePeriod, child(path, 'livenessProbe')));
  errs.push(...validateProbe(ctr.readinessProbe, 'readiness', gracePeriod, child(path, 'readinessProbe')));
  errs.push(...validateProbe(ctr.startupProbe, 'startup', gracePeriod, child(path, 'startupProbe')));
  return errs;
}

function checkHostPortConflicts(containers: readonly Container[], path: string): FieldError[] {
  const seen = new Set<string>();
  const errs: FieldError[] = [];
  containers.forEach((ctr, ci) => {
    (ctr.ports ?? []).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(child(index(child(index(path, ci), 'ports'), pi), 'hostPort'), key));
      else seen.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: readonly Container[], volumes: ReadonlySet<string>, gracePeriod: number | undefined, path: string): FieldError[] {
  if (containers.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    if (names.has(ctr.name ?? '')) errs.push(duplicate(child(p, 'name'), ctr.name ?? ''));
    else names.add(ctr.name ?? '');
    errs.push(...validateLifecycleAndProbes(ctr, gracePeriod, p));
    if (ctr.restartPolicy !== undefined) errs.push(forbiddenField(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(inits: readonly Container[], regular: readonly Container[], volumes: ReadonlySet<string>, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => c.name ?? ''));
  inits.forEach((ctr, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    let restartable = false;
    if (ctr.restartPolicy !== undefined) {
      if (ctr.restartPolicy !== 'Always') errs.push(notSupported(child(p, 'restartPolicy'), ctr.restartPolicy, ['Always']));
      restartable = ctr.restartPolicy === 'Always';
    }
    if (names.has(ctr.name ?? '')) errs.push(duplicate(child(p, 'name'), ctr.name ?? ''));
    else if (ctr.name) names.add(ctr.name);
    errs.push(...checkHostPortConflicts([ctr], path));
    if (restartable) errs.push(...validateLifecycleAndProbes(ctr, gracePeriod, p));
    else
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const)
        if (ctr[f]) errs.push(forbiddenField(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
  });
  return errs;
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** ValidateTolerations: key format, operator/value/effect rules. */
export function validateTolerations(tolerations: readonly Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const p = index(path, i);
    const key = t.key ?? '';
    const op = t.operator ?? '';
    if (key) errs.push(...validateLabelName(key, child(p, 'key')));
    if (!key && op !== 'Exists')
      errs.push(invalidValue(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute')
      errs.push(invalidValue(child(p, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length > 0) errs.push(invalidValue(child(p, 'operator'), t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value) errs.push(invalidRendered(child(p, 'operator'), goToleration(t), "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (t.effect && !taintEffects.includes(t.effect)) errs.push(notSupported(child(p, 'effect'), t.effect, taintEffects));
  });
  return errs;
}

function validateNodeSelectorRequirement(rq: NodeSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const n = (rq.values ?? []).length;
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (n === 0) errs.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (n > 0) errs.push(forbiddenField(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (n !== 1) errs.push(required(child(path, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalidValue(child(path, 'operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(rq.key ?? '', child(path, 'key')));
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: NodeSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if ((rq.values ?? []).length !== 1) errs.push(required(child(path, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(invalidValue(child(path, 'operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  if (rq.key !== 'metadata.name') errs.push(invalidValue(child(path, 'key'), rq.key ?? '', 'not a valid field selector key'));
  else (rq.values ?? []).forEach((v, i) => errs.push(...nameIsDNSSubdomain(v, false).map((m) => invalidValue(index(child(path, 'values'), i), v, m))));
  return errs;
}

function validateNodeSelectorTerm(term: NodeSelectorTerm, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (term.matchExpressions ?? []).forEach((rq, j) => errs.push(...validateNodeSelectorRequirement(rq, index(child(path, 'matchExpressions'), j))));
  (term.matchFields ?? []).forEach((rq, j) => errs.push(...validateNodeFieldSelectorRequirement(rq, index(child(path, 'matchFields'), j))));
  return errs;
}

/** ValidateNodeSelector: at least one term; each term's expressions and fields. */
export function validateNodeSelector(sel: NodeSelector, path: string): FieldError[] {
  const termsPath = child(path, 'nodeSelectorTerms');
  const terms = sel.nodeSelectorTerms ?? [];
  if (terms.length === 0) return [required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => validateNodeSelectorTerm(term, index(termsPath, i)));
}

function validateWeight(weight: unknown, path: string): FieldError[] {
  return typeof weight === 'number' && weight > 0 && weight <= 100 ? [] : [invalidValue(path, weight ?? 0, 'must be in the range 1-100')];
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(term.labelSelector, child(path, 'labelSelector')));
  errs.push(...validateLabelSelector(term.namespaceSelector, child(path, 'namespaceSelector')));
  for (const ns of term.namespaces ?? []) errs.push(...nameIsDNSLabel(ns, false).map((m) => invalidValue(child(path, 'namespace'), ns, m)));
  if (!term.topologyKey) errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(term.topologyKey ?? '', child(path, 'topologyKey')));
  return errs;
}

function validatePodAffinityGroup(group: NonNullable<Affinity['podAffinity']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const req = child(path, 'requiredDuringSchedulingIgnoredDuringExecution');
  (group.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => errs.push(...validatePodAffinityTerm(t, index(req, i))));
  const pref = child(path, 'preferredDuringSchedulingIgnoredDuringExecution');
  (group.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
    errs.push(...validateWeight(w.weight, child(index(pref, i), 'weight')));
    errs.push(...validatePodAffinityTerm(w.podAffinityTerm ?? ({} as PodAffinityTerm), child(index(pref, i), 'podAffinityTerm')));
  });
  return errs;
}

/** validateAffinity: node affinity terms and operators, pod (anti-)affinity terms. */
export function validateAffinity(affinity: Affinity | undefined, path: string): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const np = child(path, 'nodeAffinity');
    if (na.requiredDuringSchedulingIgnoredDuringExecution)
      errs.push(...validateNodeSelector(na.requiredDuringSchedulingIgnoredDuringExecution, child(np, 'requiredDuringSchedulingIgnoredDuringExecution')));
    const pref = child(np, 'preferredDuringSchedulingIgnoredDuringExecution');
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      errs.push(...validateWeight(term.weight, child(index(pref, i), 'weight')));
      errs.push(...validateNodeSelectorTerm(term.preference ?? {}, child(index(pref, i), 'preference')));
    });
  }
  if (affinity.podAffinity) errs.push(...validatePodAffinityGroup(affinity.podAffinity, child(path, 'podAffinity')));
  if (affinity.podAntiAffinity) errs.push(...validatePodAffinityGroup(affinity.podAntiAffinity, child(path, 'podAntiAffinity')));
  return errs;
}

function validateDNSConfig(spec: PodSpec, path: string): FieldError[] {
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if ((cfg.nameservers ?? []).length === 0) return [required(child(path, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return [];
  const errs: FieldError[] = [];
  const ns = cfg.nameservers ?? [];
  if (ns.length > 3) errs.push(invalidRendered(child(path, 'nameservers'), goStringSlice(ns), 'must not have more than 3 nameservers'));
  ns.forEach((ip, i) => errs.push(...validateIP(index(child(path, 'nameservers'), i), ip)));
  const searches = cfg.searches ?? [];
  if (searches.length > 32) errs.push(invalidRendered(child(path, 'searches'), goStringSlice(searches), 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048)
    errs.push(invalidRendered(child(path, 'searches'), goStringSlice(searches), 'must not have more than 2048 characters (including spaces) in the search list'));
  searches.forEach((s, i) => {
    const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...isDNS1123Subdomain(trimmed).map((m) => invalidValue(index(child(path, 'searches'), i), trimmed, m)));
  });
  (cfg.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(required(index(child(path, 'options'), i), 'must not be empty'));
  });
  return errs;
}

function validateTopologySpreadConstraints(constraints: NonNullable<PodSpec['topologySpreadConstraints']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  constraints.forEach((c, i) => {
    const p = index(path, i);
    if (!(typeof c.maxSkew === 'number' && c.maxSkew > 0)) errs.push(invalidValue(child(p, 'maxSkew'), c.maxSkew ?? 0, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable ?? ''))
      errs.push(notSupported(child(p, 'whenUnsatisfiable'), c.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
    const pair = `{${c.topologyKey ?? ''}, ${c.whenUnsatisfiable ?? ''}}`;
    if (seen.has(pair)) errs.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), pair));
    seen.add(pair);
    errs.push(...validateLabelSelector(c.labelSelector, child(p, 'labelSelector')));
  });
  return errs;
}

/** ValidatePodSpec: containers, volumes, policies, scheduling constraints and names, at `path` (`spec` or `spec.template.spec`). */
export function validatePodSpec(spec: PodSpec | undefined, path: string, opts: PodValidationOptions = {}): FieldError[] {
  const s = spec ?? ({} as PodSpec);
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  const grace = s.terminationGracePeriodSeconds ?? undefined;
  const { names: volumes, errs: volErrs } = validateVolumes(s.volumes ?? [], child(path, 'volumes'));
  errs.push(...volErrs);
  const containers = Array.isArray(s.containers) ? s.containers : [];
  errs.push(...validateContainers(containers, volumes, grace, child(path, 'containers')));
  errs.push(...validateInitContainers(s.initContainers ?? [], containers, volumes, grace, child(path, 'initContainers')));
  if (s.hostNetwork) {
    containers.forEach((ctr, i) =>
      (ctr.ports ?? []).forEach((port, j) => {
        const hp = port.hostPort ?? 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== port.containerPort)
          errs.push(invalidValue(child(index(child(index(child(path, 'containers'), i), 'ports'), j), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }),
    );
  }
  const rp = s.restartPolicy ?? '';
  if (!rp) errs.push(required(child(path, 'restartPolicy')));
  else if (!restartPolicies.includes(rp)) errs.push(notSupported(child(path, 'restartPolicy'), rp, restartPolicies));
  const dp = s.dnsPolicy ?? '';
  if (!dp) errs.push(required(child(path, 'dnsPolicy')));
  else if (!dnsPolicies.includes(dp)) errs.push(notSupported(child(path, 'dnsPolicy'), dp, dnsPolicies));
  errs.push(...validateLabels(s.nodeSelector, child(path, 'nodeSelector')));
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    const extra = Object.keys(ref).filter((k) => k !== 'name');
    if (extra.length > 0) errs.push(invalidRendered(index(child(path, 'imagePullSecrets'), i), `core.LocalObjectReference{Name:${JSON.stringify(ref.name ?? '')}}`, 'only name may be set'));
  });
  errs.push(...validateAffinity(s.affinity, child(path, 'affinity')));
  errs.push(...validateDNSConfig(s, child(path, 'dnsConfig')));
  (s.readinessGates ?? []).forEach((g, i) => errs.push(...validateLabelName(g.conditionType ?? '', child(index(child(path, 'readinessGates'), i), 'conditionType'))));
  const gates = new Set<string>();
  (s.schedulingGates ?? []).forEach((g, i) => {
    const gp = index(child(path, 'schedulingGates'), i);
    errs.push(...validateLabelName(g.name ?? '', gp));
    if (gates.has(g.name ?? '')) errs.push(duplicate(gp, g.name ?? ''));
    gates.add(g.name ?? '');
  });
  errs.push(...validateTopologySpreadConstraints(s.topologySpreadConstraints ?? [], child(path, 'topologySpreadConstraints')));
  const subdomainField = (field: 'serviceAccountName' | 'nodeName' | 'priorityClassName'): void => {
    const v = s[field];
    if (v) errs.push(...nameIsDNSSubdomain(v, false).map((m) => invalidValue(child(path, field), v, m)));
  };
  subdomainField('serviceAccountName');
  subdomainField('nodeName');
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null && (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > 2147483647))
    errs.push(invalidValue(child(path, 'activeDeadlineSeconds'), s.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  for (const field of ['hostname', 'subdomain'] as const) {
    const v = s[field];
    if (v) errs.push(...isDNS1123Label(v).map((m) => invalidValue(child(path, field), v, m)));
  }
  errs.push(...validateTolerations(s.tolerations ?? [], child(path, 'tolerations')));
  (s.hostAliases ?? []).forEach((alias, i) => {
    const ap = index(child(path, 'hostAliases'), i);
    errs.push(...validateIP(child(ap, 'ip'), alias.ip ?? ''));
    (alias.hostnames ?? []).forEach((h, j) => errs.push(...isDNS1123Subdomain(h).map((m) => invalidValue(index(child(ap, 'hostnames'), j), h, m))));
  });
  subdomainField('priorityClassName');
  if (s.runtimeClassName !== undefined && s.runtimeClassName !== null)
    errs.push(...nameIsDNSSubdomain(s.runtimeClassName, false).map((m) => invalidValue(child(path, 'runtimeClassName'), s.runtimeClassName, m)));
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null) {
    if (!s.preemptionPolicy) errs.push(required(child(path, 'preemptionPolicy')));
    else if (!['PreemptLowerPriority', 'Never'].includes(s.preemptionPolicy))
      errs.push(notSupported(child(path, 'preemptionPolicy'), s.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  }
  if (s.overhead) errs.push(...validateResourceRequirements({ limits: s.overhead }, child(path, 'overhead')));
  if (s.os) {
    if (!s.os.name) errs.push(required(child(child(path, 'os'), 'name')));
    else if (!['linux', 'windows'].includes(s.os.name)) errs.push(notSupported(child(child(path, 'os'), 'name'), s.os.name, ['linux', 'windows']));
  }
  return errs;
}

/** validateContainersOnlyForPod: images of a pod's (not a template's) containers may not be padded with whitespace. */
export function validateContainersOnlyForPod(spec: PodSpec | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const name of ['containers', 'initContainers'] as const) {
    (spec?.[name] ?? []).forEach((ctr, i) => {
      const image = ctr.image ?? '';
      if (image.length !== image.trim().length) errs.push(invalidValue(child(index(child(path, name), i), 'image'), image, 'must not have leading or trailing whitespace'));
    });
  }
  return errs;
}
