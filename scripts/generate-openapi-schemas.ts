// Generates api/generated/openapi-schemas.json: the OpenAPI v3 component schemas of every kind
// kubemock serves and of everything they reference, named as upstream names them
// (io.k8s.api.apps.v1.DaemonSet, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, ...).
//
// Sources, so that nothing is copied from upstream's OpenAPI documents:
// * fields, required fields and descriptions: the declarations and doc comments of the
//   `kubernetes-types` package, read with the TypeScript compiler API;
// * patch strategies and merge keys: api/patch-metadata.ts (the table strategic merge patch uses);
// * integer formats, list/map types and enum values: scripts/openapi-facts.ts;
// * which kinds: the resource table (api/resources.ts).
//
// Run `npm run generate:openapi` after changing any of them; test/api/openapi-generator.test.ts
// fails while the committed file differs from what this script produces.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { RESOURCES } from '../api/resources.js';
import { patchSchemaFor, type PatchSchema } from '../api/patch-metadata.js';
import { apiVersionOf, type ResourceDefinition } from '../api/types.js';
import { ENUMS, FLOAT_FIELDS, INT64_FIELDS, LIST_TYPES, MAP_TYPE_FIELDS, ATOMIC_STRUCTS, SYNTHETIC_DESCRIPTIONS } from './openapi-facts.js';

export type Schema = { [key: string]: unknown };

/** kubernetes-types module path → upstream package prefix of its component names. */
const PACKAGES: Readonly<Record<string, string>> = {
  'meta/v1': 'io.k8s.apimachinery.pkg.apis.meta.v1',
  runtime: 'io.k8s.apimachinery.pkg.runtime',
  'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
  'core/v1': 'io.k8s.api.core.v1',
  'apps/v1': 'io.k8s.api.apps.v1',
  'coordination/v1': 'io.k8s.api.coordination.v1',
  'policy/v1': 'io.k8s.api.policy.v1',
};

/** The component kubernetes-types writes inline as `number | string`. */
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const REF_PREFIX = '#/components/schemas/';

/** The kubernetes-types module of an API group version ('' → core/v1, coordination.k8s.io → coordination/v1). */
function moduleOf(group: string, version: string): string {
  return `${group === '' ? 'core' : group.split('.')[0]}/${version}`;
}

interface Declaration {
  module: string;
  name: string;
  node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  imports: ReadonlyMap<string, string>;
}

/** Reads the kubernetes-types declaration files the served kinds can reach. */
function loadDeclarations(typesDir: string): Map<string, Declaration> {
  const decls = new Map<string, Declaration>();
  for (const module of Object.keys(PACKAGES)) {
    const file = path.join(typesDir, `${module}.d.ts`);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const imports = new Map<string, string>();
    for (const stmt of source.statements) {
      if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(module), stmt.moduleSpecifier.text));
        for (const el of stmt.importClause?.namedBindings && ts.isNamedImports(stmt.importClause.namedBindings) ? stmt.importClause.namedBindings.elements : []) {
          imports.set(el.name.text, target);
        }
      }
    }
    for (const stmt of source.statements) {
      if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
        decls.set(`${module}:${stmt.name.text}`, { module, name: stmt.name.text, node: stmt, imports });
      }
    }
  }
  return decls;
}

/** The doc comment of a node as plain text (paragraphs kept), or undefined. */
function docComment(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  if (!docs?.length) return undefined;
  const text = docs
    .map((d) => (typeof d.comment === 'string' ? d.comment : ts.getTextOfJSDocComment(d.comment) ?? ''))
    .join('\n\n')
    .trim();
  return text === '' ? undefined : text;
}

function componentName(decl: Pick<Declaration, 'module' | 'name'>): string {
  return `${PACKAGES[decl.module]}.${decl.name}`;
}

/** Sorts object keys recursively (arrays keep their order), as upstream's documents are. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])])) as T;
  }
  return value;
}

/** A `$ref`, wrapped in allOf when it carries siblings (OpenAPI 3.0 ignores siblings of $ref). */
function ref(name: string, siblings: Schema = {}): Schema {
  const target = { $ref: REF_PREFIX + name };
  return Object.keys(siblings).length === 0 ? target : { allOf: [target], ...siblings };
}

export interface GeneratorOptions {
  /** Directory of the kubernetes-types package. */
  typesDir?: string;
  resources?: readonly ResourceDefinition[];
}

/** Builds every component schema reachable from the served kinds. */
export function generateSchemas(options: GeneratorOptions = {}): Record<string, Schema> {
  const require = createRequire(import.meta.url);
  const typesDir = options.typesDir ?? path.dirname(require.resolve('kubernetes-types/package.json'));
  const resources = options.resources ?? RESOURCES;
  const decls = loadDeclarations(typesDir);
  const schemas = new Map<string, Schema>();
  const shortNames = new Map<string, string>();
  const pending: Declaration[] = [];
  /** Facts by `kind:ShortName.field`, checked for use at the end. */
  const usedFacts = new Set<string>();
  let intOrStringUsed = false;

  const resolve = (from: Declaration, name: string): Declaration => {
    const module = decls.has(`${from.module}:${name}`) ? from.module : from.imports.get(name);
    const decl = module ? decls.get(`${module}:${name}`) : undefined;
    if (!decl) throw new Error(`${from.module}:${from.name} references ${name}, which is not declared`);
    return decl;
  };
  const enqueue = (decl: Declaration): string => {
    const name = componentName(decl);
    if (!schemas.has(name) && !pending.includes(decl)) pending.push(decl);
    return name;
  };

  /** The schema of a property type; `field` is `Owner.property` for the facts tables. */
  const typeSchema = (owner: Declaration, type: ts.TypeNode, field: string): Schema => {
    if (type.kind === ts.SyntaxKind.StringKeyword || (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal))) return { type: 'string' };
    if (type.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
    if (type.kind === ts.SyntaxKind.NumberKeyword) {
      if (FLOAT_FIELDS.has(field)) return (usedFacts.add(`float:${field}`), { type: 'number', format: 'double' });
      if (INT64_FIELDS.has(field)) return (usedFacts.add(`int64:${field}`), { type: 'integer', format: 'int64' });
      return { type: 'integer', format: 'int32' };
    }
    if (ts.isUnionTypeNode(type)) {
      const kinds = type.types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) {
        intOrStringUsed = true;
        return ref(INT_OR_STRING);
      }
      throw new Error(`${field}: unsupported union ${type.getText()}`);
    }
    if (ts.isTypeLiteralNode(type)) {
      const index = type.members.find(ts.isIndexSignatureDeclaration);
      if (!index || type.members.length !== 1) throw new Error(`${field}: unsupported type literal ${type.getText()}`);
      return { type: 'object', additionalProperties: typeSchema(owner, index.type, field) };
    }
    if (ts.isArrayTypeNode(type)) return { type: 'array', items: typeSchema(owner, type.elementType, field) };
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      if (type.typeName.text === 'Array' && type.typeArguments?.length === 1) return { type: 'array', items: typeSchema(owner, type.typeArguments[0]!, field) };
      return ref(enqueue(resolve(owner, type.typeName.text)));
    }
    throw new Error(`${field}: unsupported type ${type.getText()}`);
  };

  /** Adds the facts that belong on a property schema (siblings of $ref go through allOf). */
  const propertySchema = (owner: Declaration, prop: ts.PropertySignature): Schema => {
    const propName = (prop.name as ts.Identifier | ts.StringLiteral).text;
    const field = `${owner.name}.${propName}`;
    const base = typeSchema(owner, prop.type!, field);
    const extra: Schema = {};
    const description = docComment(prop);
    if (description) extra.description = description;
    const enumValues = ENUMS.get(field);
    if (enumValues) {
      usedFacts.add(`enum:${field}`);
      if (base.type === 'array') (base.items as Schema).enum = [...enumValues].sort();
      else extra.enum = [...enumValues].sort();
    }
    const listType = LIST_TYPES.get(field);
    if (listType) {
      if (base.type !== 'array') throw new Error(`${field}: a list type on a non-list`);
      usedFacts.add(`list:${field}`);
      extra['x-kubernetes-list-type'] = listType.type;
      if (listType.keys) extra['x-kubernetes-list-map-keys'] = [...listType.keys];
    }
    const mapType = MAP_TYPE_FIELDS.get(field);
    if (mapType) {
      if (base.type !== 'object') throw new Error(`${field}: a map type on a non-map`);
      usedFacts.add(`map:${field}`);
      extra['x-kubernetes-map-type'] = mapType;
    }
    if (base.$ref) return ref((base.$ref as string).slice(REF_PREFIX.length), extra);
    return { ...base, ...extra };
  };

  const build = (decl: Declaration): Schema => {
    const text = docComment(decl.node) ?? SYNTHETIC_DESCRIPTIONS[componentName(decl)];
    const description: Schema = text === undefined ? {} : { description: text };
    if (ts.isTypeAliasDeclaration(decl.node)) {
      // Scalars with a name of their own: Time, MicroTime (date-time strings) and Quantity.
      const name = componentName(decl);
      if (name.endsWith('.Quantity')) return { ...description, oneOf: [{ type: 'string' }, { type: 'number' }] };
      if (decl.node.type.kind !== ts.SyntaxKind.StringKeyword) throw new Error(`${name}: unsupported alias`);
      return { ...description, type: 'string', format: 'date-time' };
    }
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const member of decl.node.members) {
      if (!ts.isPropertySignature(member) || !member.type) throw new Error(`${decl.name}: unsupported member ${member.getText()}`);
      const name = (member.name as ts.Identifier).text;
      properties[name] = propertySchema(decl, member);
      if (!member.questionToken) required.push(name);
    }
    const schema: Schema = { ...description, type: 'object' };
    if (Object.keys(properties).length) schema.properties = properties;
    if (required.length) schema.required = required;
    if (ATOMIC_STRUCTS.has(decl.name)) {
      usedFacts.add(`struct:${decl.name}`);
      schema['x-kubernetes-map-type'] = 'atomic';
    }
    return schema;
  };

  // Roots: every kind, its list, the bodies of subresources, and the meta kinds every group
  // version document carries (Status, DeleteOptions, WatchEvent, Patch, APIResourceList).
  const gvks = new Map<string, Array<{ group: string; version: string; kind: string }>>();
  const root = (module: string, name: string, gvk?: { group: string; version: string; kind: string }): void => {
    const decl = decls.get(`${module}:${name}`);
    if (!decl) throw new Error(`kubernetes-types has no ${module} ${name}`);
    const component = enqueue(decl);
    if (gvk) {
      const list = gvks.get(component) ?? [];
      if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
      gvks.set(component, list);
    }
  };
  const groupVersions = new Map<string, { group: string; version: string }>();
  for (const def of resources) {
    const module = moduleOf(def.group, def.version);
    root(module, def.kind, { group: def.group, version: def.version, kind: def.kind });
    root(module, def.listKind, { group: def.group, version: def.version, kind: def.listKind });
    groupVersions.set(apiVersionOf(def), { group: def.group, version: def.version });
    for (const sub of def.subresources) {
      const group = sub.group ?? def.group;
      const version = sub.version ?? def.version;
      if (sub.name === 'log') continue; // a text stream, not an object
      root(moduleOf(group, version), sub.kind, { group, version, kind: sub.kind });
    }
  }
  root('meta/v1', 'Status', { group: '', version: 'v1', kind: 'Status' });
  root('meta/v1', 'APIResourceList', { group: '', version: 'v1', kind: 'APIResourceList' });
  root('meta/v1', 'Patch');
  const byGroupVersion = (a: { group: string; version: string }, b: { group: string; version: string }): number => (a.group === b.group ? (a.version < b.version ? -1 : 1) : a.group < b.group ? -1 : 1);
  for (const gv of [...groupVersions.values()].sort(byGroupVersion)) {
    root('meta/v1', 'DeleteOptions', { ...gv, kind: 'DeleteOptions' });
    root('meta/v1', 'WatchEvent', { ...gv, kind: 'WatchEvent' });
  }

  while (pending.length) {
    const decl = pending.shift()!;
    const name = componentName(decl);
    const clash = shortNames.get(decl.name);
    if (clash && clash !== name) throw new Error(`two reachable types are named ${decl.name}: ${clash} and ${name}; the facts tables need qualified names`);
    shortNames.set(decl.name, name);
    schemas.set(name, build(decl));
  }
  // IntOrString has no declaration of its own in kubernetes-types (it is written `number | string`).
  if (intOrStringUsed) {
    schemas.set(INT_OR_STRING, {
      description: SYNTHETIC_DESCRIPTIONS[INT_OR_STRING],
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
  }
  for (const [name, list] of gvks) schemas.get(name)!['x-kubernetes-group-version-kind'] = list;

  applyPatchMetadata(schemas, resources);

  // Every fact must have found its field: a typo or a field kubernetes-types dropped is an error.
  const unused = [
    ...[...INT64_FIELDS].map((f) => `int64:${f}`),
    ...[...FLOAT_FIELDS].map((f) => `float:${f}`),
    ...[...ENUMS.keys()].map((f) => `enum:${f}`),
    ...[...LIST_TYPES.keys()].map((f) => `list:${f}`),
    ...[...MAP_TYPE_FIELDS.keys()].map((f) => `map:${f}`),
    ...[...ATOMIC_STRUCTS].map((f) => `struct:${f}`),
  ].filter((f) => !usedFacts.has(f));
  if (unused.length) throw new Error(`facts name fields no served kind reaches: ${unused.join(', ')}`);
  return Object.fromEntries([...schemas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]));
}

/** The component a property schema points at (through allOf, items or additionalProperties). */
function targetOf(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  if (typeof schema.$ref === 'string') return schema.$ref.slice(REF_PREFIX.length);
  if (Array.isArray(schema.allOf)) return targetOf(schema.allOf[0] as Schema);
  return undefined;
}

/**
 * Walks api/patch-metadata.ts beside the schemas, kind by kind, and writes its list strategies
 * and merge keys as x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key. A component
 * reached twice must get the same answer both times; a name the metadata uses that the schema
 * lacks is an error.
 */
function applyPatchMetadata(schemas: Map<string, Schema>, resources: readonly ResourceDefinition[]): void {
  const written = new Map<string, string>();
  const annotate = (component: string, field: string, strategy: string | undefined, mergeKey: string | undefined): void => {
    const key = `${component}.${field}`;
    const value = `${strategy ?? ''}|${mergeKey ?? ''}`;
    const before = written.get(key);
    if (before !== undefined && before !== value && value !== '|' && before !== '|') throw new Error(`${key}: patch metadata disagrees between paths (${before} vs ${value})`);
    if (value === '|') return;
    written.set(key, value);
    const props = schemas.get(component)!.properties as Record<string, Schema>;
    if (strategy) props[field]!['x-kubernetes-patch-strategy'] = strategy;
    if (mergeKey) props[field]!['x-kubernetes-patch-merge-key'] = mergeKey;
  };
  const walk = (component: string, patch: PatchSchema, where: string): void => {
    if (patch.type !== 'object' || !patch.fields) return;
    const schema = schemas.get(component);
    const props = schema?.properties as Record<string, Schema> | undefined;
    for (const [field, sub] of Object.entries(patch.fields)) {
      const prop = props?.[field];
      if (!prop) throw new Error(`patch metadata names ${where}.${field}, which ${component} does not have`);
      if (sub.type === 'list') {
        if (prop.type !== 'array') throw new Error(`patch metadata treats ${where}.${field} as a list`);
        annotate(component, field, sub.strategy, sub.mergeKey);
        const item = targetOf(prop.items as Schema);
        if (sub.items && item) walk(item, sub.items, `${where}.${field}[]`);
      } else {
        if (sub.strategy) annotate(component, field, sub.strategy, undefined);
        const target = targetOf(prop) ?? targetOf(prop.additionalProperties as Schema | undefined);
        if (target) walk(target, sub, `${where}.${field}`);
      }
    }
  };
  for (const def of resources) {
    const patch = patchSchemaFor(def.group, def.kind);
    if (!patch) continue;
    walk(`${PACKAGES[moduleOf(def.group, def.version)]}.${def.kind}`, patch, def.kind);
  }
}

/** The generated file's text: stable key order, one trailing newline. */
export function renderSchemas(schemas: Record<string, Schema>): string {
  return `${JSON.stringify({ components: { schemas } }, null, 1)}\n`;
}

/** The source tree's root, whether this runs from scripts/ or from dist/scripts/. */
function sourceRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parent = path.resolve(here, '..');
  return path.basename(parent) === 'dist' ? path.resolve(parent, '..') : parent;
}

/** Where the generated schemas live (committed). */
export const OUTPUT = path.join(sourceRoot(), 'api', 'generated', 'openapi-schemas.json');

function main(): void {
  const text = renderSchemas(generateSchemas());
  if (process.argv.includes('--check')) {
    if (readFileSync(OUTPUT, 'utf8') !== text) {
      console.error(`${OUTPUT} is out of date: run npm run generate:openapi`);
      process.exit(1);
    }
    return;
  }
  mkdirSync(path.dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, text);
  console.log(`wrote ${OUTPUT} (${Object.keys(JSON.parse(text).components.schemas).length} schemas, ${text.length} bytes)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
