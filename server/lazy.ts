// Modules that only some requests need (YAML, protobuf, patches, server-side apply, field
// validation), loaded on first use instead of at start-up, where loading them was a good part of
// the time a fresh process takes to answer.

/** A loader that imports once, on its first call, and hands every caller the same module. */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let module: Promise<T> | undefined;
  return () => (module ??= load());
}

export const loadYaml: () => Promise<typeof import('yaml')> = lazyModule(() => import('yaml'));
export const loadFieldValidation: () => Promise<typeof import('../api/field-validation.js')> = lazyModule(() => import('../api/field-validation.js'));
