// Component schemas for the OpenAPI v3 documents. For now each kind gets an open object schema
// carrying its group-version-kind (what kubectl's validation check and apply need).
import type { ResourceDefinition } from './types.js';

/** The component name of a kind, upstream style: io.k8s.api.<group>.<version>.<Kind>. */
export function schemaRefName(def: ResourceDefinition): string {
  const group = def.group === '' ? 'core' : def.group.split('.')[0]!;
  return `io.k8s.api.${group}.${def.version}.${def.kind}`;
}

/** Schemas for the kinds of one group version. */
export function componentSchemas(defs: readonly ResourceDefinition[]): Record<string, unknown> {
  return Object.fromEntries(
    defs.map((def) => [
      schemaRefName(def),
      {
        type: 'object',
        description: `${def.kind} (${def.group || 'core'}/${def.version})`,
        'x-kubernetes-group-version-kind': [{ group: def.group, version: def.version, kind: def.kind }],
      },
    ]),
  );
}
