// Component schemas for the OpenAPI v3 documents and for field validation. The schemas are
// generated at build time from the kubernetes-types declarations (scripts/generate-openapi-schemas.ts)
// into api/generated/openapi-schemas.json; this module picks, per group version, the ones its
// kinds reach.
import generated from './generated/openapi-schemas.json' with { type: 'json' };
import type { ResourceDefinition } from './types.js';
import { STEERING_SCHEMAS } from './steering-schemas.js';

/** The slice of an OpenAPI v3 schema object kubemock reads. */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  required?: string[];
  enum?: unknown[];
  $ref?: string;
  [extension: `x-${string}`]: unknown;
}

const REF_PREFIX = '#/components/schemas/';

/** Every generated component schema, by upstream name. */
export const COMPONENT_SCHEMAS: Readonly<Record<string, OpenApiSchema>> = {
  ...(generated as unknown as { components: { schemas: Record<string, OpenApiSchema> } }).components.schemas,
  // kubemock's own kinds (kubemock.dev), hand-written: kubernetes-types has nothing to generate them from.
  ...STEERING_SCHEMAS,
};

/** The component name of a kind, upstream style: io.k8s.api.<group>.<version>.<Kind>. */
export function kindSchemaName(group: string, version: string, kind: string): string {
  // A group outside Kubernetes' own is named as CRD schemas are: its reversed domain (dev.kubemock.v1alpha1.Kind).
  if (group.includes('.') && !group.endsWith('.k8s.io')) return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
  return `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]!}.${version}.${kind}`;
}

/** The component name of a resource's kind. */
export function schemaRefName(def: Pick<ResourceDefinition, 'group' | 'version' | 'kind'>): string {
  return kindSchemaName(def.group, def.version, def.kind);
}

/** The component a `$ref` names. */
export function refTarget(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

/** Follows `$ref` and single-element `allOf` wrappers to the schema they stand for. */
export function resolveSchema(schema: OpenApiSchema | undefined, schemas: Readonly<Record<string, OpenApiSchema>> = COMPONENT_SCHEMAS): OpenApiSchema | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.$ref) current = schemas[refTarget(current.$ref)];
    else if (current.allOf?.length === 1 && !current.properties) current = current.allOf[0];
    else return current;
  }
  return current;
}

/** The component names `roots` reach through $ref, in sorted order. */
export function reachableSchemaNames(roots: Iterable<string>, schemas: Readonly<Record<string, OpenApiSchema>> = COMPONENT_SCHEMAS): string[] {
  const seen = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') add(refTarget(v));
      else visit(v);
    }
  };
  const add = (name: string): void => {
    if (seen.has(name)) return;
    const schema = schemas[name];
    if (!schema) throw new Error(`no component schema named ${name}`);
    seen.add(name);
    visit(schema);
  };
  for (const root of roots) add(root);
  return [...seen].sort();
}

/** The meta kinds every group version document carries beside its own kinds. */
const META_ROOTS = ['Status', 'DeleteOptions', 'WatchEvent', 'Patch', 'APIResourceList'].map((k) => `io.k8s.apimachinery.pkg.apis.meta.v1.${k}`);

/** The schemas of one group version's document: its kinds, lists and subresource bodies, and all they reference. */
export function componentSchemas(defs: readonly ResourceDefinition[]): Record<string, OpenApiSchema> {
  const roots: string[] = [];
  for (const def of defs) {
    roots.push(schemaRefName(def), kindSchemaName(def.group, def.version, def.listKind));
    for (const sub of def.subresources) {
      const name = kindSchemaName(sub.group ?? def.group, sub.version ?? def.version, sub.kind);
      if (COMPONENT_SCHEMAS[name]) roots.push(name);
    }
  }
  return Object.fromEntries(reachableSchemaNames([...roots, ...META_ROOTS]).map((name) => [name, COMPONENT_SCHEMAS[name]!]));
}
