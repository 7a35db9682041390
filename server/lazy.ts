// Modules that only some requests need (YAML, protobuf, patches, server-side apply, field
// validation), loaded on first use instead of at start-up, where loading them was a good part of
// the time a fresh process takes to answer.

import { createRequire } from 'node:module';

/**
 * require() for the packages the bundle leaves outside itself (scripts/bundle.ts): pino-pretty and
 * @fastify/swagger-ui, both CommonJS. The bundle runs as a classic script compiled from a code
 * cache (server/launcher.ts), where Node 20 has no loader for import(); require works in the
 * bundle and in the compiled modules alike.
 */
export const requireExternal: NodeJS.Require = createRequire(import.meta.url);

/** A loader that imports once, on its first call, and hands every caller the same module. */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let module: Promise<T> | undefined;
  return () => (module ??= load());
}

export const loadYaml: () => Promise<typeof import('yaml')> = lazyModule(() => import('yaml'));
export const loadFieldValidation: () => Promise<typeof import('../api/field-validation.js')> = lazyModule(() => import('../api/field-validation.js'));
