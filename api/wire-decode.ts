// Go-style type checks of request bodies. kube-apiserver decodes every body into the kind's Go
// struct before anything else looks at it, so a value of the wrong JSON type (labels as a list, a
// string where an int32 belongs, a quantity that does not parse) is a decoding error: 400 on create
// and update, 422 `patch: Invalid value` after a patch. Strategies read plain JSON and would crash
// or store garbage on such values, so the registry runs this check first.
//
// The Go types come from the generated component schemas (api/openapi-schemas.ts): objects with
// properties are structs, objects with additionalProperties maps, arrays slices; Quantity,
// IntOrString, Time and MicroTime decode as their Go types' UnmarshalJSON does. Fields a schema
// does not know pass unchecked, as unknown fields do in Go's non-strict decoding.
import { isPlainObject } from '../store/object.js';
import { COMPONENT_SCHEMAS, kindSchemaName, refTarget, type OpenApiSchema } from './openapi-schemas.js';
import { parseQuantityExact, quantityFormatError } from './validation.js';

/** A body that Go's decoder would reject; the message is what the decoder's error prints. */
export class DecodeError extends Error {}

type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'float64' | 'time' | 'quantity' | 'intOrString' | 'any';

type GoType =
  | { kind: 'scalar'; scalar: Scalar; go: string }
  | { kind: 'struct'; go: string; field(name: string): GoType | undefined }
  | { kind: 'slice'; go: string; elem: GoType }
  | { kind: 'map'; go: string; elem: GoType };

const SPECIAL: Readonly<Record<string, [Scalar, string]>> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': ['quantity', 'resource.Quantity'],
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': ['intOrString', 'intstr.IntOrString'],
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': ['time', 'v1.Time'],
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': ['time', 'v1.MicroTime'],
  'io.k8s.apimachinery.pkg.runtime.RawExtension': ['any', 'runtime.RawExtension'],
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': ['any', 'v1.FieldsV1'],
};

const ANY: GoType = { kind: 'scalar', scalar: 'any', go: 'interface {}' };
const byComponent = new Map<string, GoType>();

/** `io.k8s.api.core.v1.Container` → `v1.Container`, as reflect prints the Go type. */
function goNameOf(component: string): string {
  const parts = component.split('.');
  return parts.slice(-2).join('.');
}

function typeOfComponent(component: string): GoType {
  const cached = byComponent.get(component);
  if (cached) return cached;
  const special = SPECIAL[component];
  if (special) return { kind: 'scalar', scalar: special[0], go: special[1] };
  const schema = COMPONENT_SCHEMAS[component];
  if (!schema) return ANY;
  // Registered before the walk so that recursive types (JSONSchemaProps and the like) terminate.
  const fields = new Map<string, GoType>();
  const properties = schema.properties;
  const type: GoType = properties
    ? {
        kind: 'struct',
        go: goNameOf(component),
        field: (name) => {
          if (!Object.hasOwn(properties, name)) return undefined;
          let t = fields.get(name);
          if (!t) fields.set(name, (t = typeOfSchema(properties[name]!)));
          return t;
        },
      }
    : typeOfSchema(schema, component);
  byComponent.set(component, type);
  return type;
}

function typeOfSchema(schema: OpenApiSchema, component?: string): GoType {
  if (schema.$ref) return typeOfComponent(refTarget(schema.$ref));
  if (schema.allOf?.length === 1 && !schema.properties) return typeOfSchema(schema.allOf[0]!);
  if (schema['x-kubernetes-int-or-string']) return { kind: 'scalar', scalar: 'intOrString', go: 'intstr.IntOrString' };
  switch (schema.type) {
    case 'string':
      return { kind: 'scalar', scalar: schema.format === 'date-time' ? 'time' : 'string', go: schema.format === 'date-time' ? 'v1.Time' : 'string' };
    case 'boolean':
      return { kind: 'scalar', scalar: 'bool', go: 'bool' };
    case 'number':
      return { kind: 'scalar', scalar: 'float64', go: 'float64' };
    case 'integer':
      return schema.format === 'int32' ? { kind: 'scalar', scalar: 'int32', go: 'int32' } : { kind: 'scalar', scalar: 'int64', go: 'int64' };
    case 'array': {
      const elem = schema.items ? typeOfSchema(schema.items) : ANY;
      return { kind: 'slice', go: `[]${elem.go}`, elem };
    }
    case 'object': {
      if (schema.properties) {
        const properties = schema.properties;
        // Field types are worked out once (every write is checked against them).
        const fields = new Map<string, GoType>();
        return {
          kind: 'struct',
          go: component ? goNameOf(component) : 'struct',
          field: (name) => {
            if (!Object.hasOwn(properties, name)) return undefined;
            let t = fields.get(name);
            if (!t) fields.set(name, (t = typeOfSchema(properties[name]!)));
            return t;
          },
        };
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const elem = typeOfSchema(schema.additionalProperties);
        return { kind: 'map', go: `map[string]${elem.go}`, elem };
      }
      return ANY;
    }
    default:
      return ANY;
  }
}

// ---------------------------------------------------------------------------------------------
// The decoder
// ---------------------------------------------------------------------------------------------

/** The JSON kind of a value as Go's UnmarshalTypeError names it. */
export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] } as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** What parseQuantityString scans before it judges the suffix (its own grammar, not the message's regexp). */
const QUANTITY = /^[+-]?[0-9]*(\.[0-9]*)?[eEinumkKMGTP]*[-+]?[0-9]*$/;
const GOOD_QUANTITIES = new Set<string>();

/** The field path of a value, as a list from the leaf up: built into text only for an error. */
interface FieldPath {
  parent: FieldPath | undefined;
  key: string;
}

function pathText(path: FieldPath | undefined): string {
  const keys: string[] = [];
  for (let p = path; p; p = p.parent) keys.push(p.key);
  return keys.reverse().join('.');
}

/** `v1.Container` → `Container`, once per Go type (every write is checked). */
const STRUCT_NAMES = new Map<string, string>();
function structNameOf(go: string): string {
  let name = STRUCT_NAMES.get(go);
  if (name === undefined) STRUCT_NAMES.set(go, (name = go.slice(go.indexOf('.') + 1)));
  return name;
}

/** The decoder's error for a value of the wrong JSON type at path. */
function mismatchError(what: string, type: GoType, path: FieldPath | undefined, structName: string): DecodeError {
  return new DecodeError(`json: cannot unmarshal ${what} into Go struct field ${structName}.${pathText(path)} of type ${type.go}`);
}

function check(value: unknown, type: GoType, path: FieldPath | undefined, structName: string): void {
  if (value === null || value === undefined) return; // null decodes to the zero value
  switch (type.kind) {
    case 'struct': {
      if (!isPlainObject(value)) throw mismatchError(jsonKind(value), type, path, structName);
      const name = structNameOf(type.go);
      for (const key in value as Record<string, unknown>) {
        if (!Object.hasOwn(value as object, key)) continue;
        const fieldType = type.field(key);
        if (fieldType) check((value as Record<string, unknown>)[key], fieldType, { parent: path, key }, name);
      }
      return;
    }
    case 'slice':
      if (!Array.isArray(value)) throw mismatchError(jsonKind(value), type, path, structName);
      for (const v of value as unknown[]) check(v, type.elem, path, structName);
      return;
    case 'map':
      if (!isPlainObject(value)) throw mismatchError(jsonKind(value), type, path, structName);
      for (const v of Object.values(value as Record<string, unknown>)) check(v, type.elem, path, structName);
      return;
  }
  switch (type.scalar) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') throw mismatchError(jsonKind(value), type, path, structName);
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw mismatchError(jsonKind(value), type, path, structName);
      return;
    case 'float64':
      if (typeof value !== 'number') throw mismatchError(jsonKind(value), type, path, structName);
      return;
    case 'int32':
    case 'int64': {
      if (typeof value !== 'number') throw mismatchError(jsonKind(value), type, path, structName);
      const [min, max] = INT_RANGE[type.scalar];
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw mismatchError(`number ${String(value)}`, type, path, structName);
      return;
    }
    case 'intOrString':
      // IntOrString.UnmarshalJSON: a string, or else an int32.
      if (typeof value === 'string') return;
      if (typeof value !== 'number') throw new DecodeError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type int32`);
      if (!Number.isInteger(value) || value < INT_RANGE.int32[0] || value > INT_RANGE.int32[1]) throw new DecodeError(`json: cannot unmarshal number ${String(value)} into Go value of type int32`);
      return;
    case 'time':
      // metav1.Time.UnmarshalJSON: a JSON string in RFC 3339.
      if (typeof value !== 'string') throw new DecodeError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type string`);
      if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
        throw new DecodeError(`parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`);
      }
      return;
    case 'quantity': {
      // Quantity.UnmarshalJSON: the text (unquoted, trimmed) must parse. The same few texts come
      // with every write: those that parsed are remembered.
      if (typeof value === 'string' && GOOD_QUANTITIES.has(value)) return;
      const text = (typeof value === 'string' ? value : JSON.stringify(value)).trim();
      if (text === '' || !QUANTITY.test(text)) throw new DecodeError(quantityFormatError);
      if (!parseQuantityExact(text)) throw new DecodeError("unable to parse quantity's suffix");
      if (typeof value === 'string') {
        if (GOOD_QUANTITIES.size >= 4096) GOOD_QUANTITIES.clear();
        GOOD_QUANTITIES.add(value);
      }
      return;
    }
  }
}

/** Throws a DecodeError when the object would not decode into the Go struct of its kind. */
export function checkDecodable(group: string, version: string, kind: string, obj: Record<string, unknown>): void {
  const type = typeOfComponent(kindSchemaName(group, version, kind));
  if (type.kind !== 'struct') return;
  check(obj, type, undefined, structNameOf(type.go));
}
