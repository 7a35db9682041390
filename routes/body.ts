// The decode step of create and update requests, with field validation: the body is decoded by
// its Content-Type, checked against the kind's schema as the `fieldValidation` parameter says,
// stripped of unknown fields, and any warnings go out as `Warning: 299` headers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceDefinition } from '../api/types.js';
import { isPlainObject } from '../store/object.js';
import { decodeKindBody, mediaType } from '../server/negotiation.js';
import { loadFieldValidation } from '../server/lazy.js';

export interface DecodeOptions {
  /** The options kind named in a bad fieldValidation value's error. */
  optionsKind: 'CreateOptions' | 'UpdateOptions';
  /** The request's fieldValidation query value. */
  fieldValidation: string | undefined;
  /** On update: the stored object, whose own unknown fields (if any) are not the request's doing. */
  current?: unknown;
}

/** Decodes and validates a create/update body; returns the object without unknown fields. */
export async function decodeObjectRequest(def: ResourceDefinition, request: FastifyRequest, reply: FastifyReply, options: DecodeOptions): Promise<unknown> {
  const { existingUnknownFields, fieldValidationDirective, validateObjectBody, warningHeader } = await loadFieldValidation();
  const directive = fieldValidationDirective(options.fieldValidation, options.optionsKind);
  const raw = request.body as Buffer | undefined;
  const contentType = request.headers['content-type'];
  const body = await decodeKindBody(contentType, raw, def.kind);
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf' || !isPlainObject(body)) return body;
  const keep = options.current === undefined ? undefined : existingUnknownFields(def, options.current);
  const result = validateObjectBody(def, body, raw!.toString('utf8'), type === 'application/yaml' ? 'yaml' : 'json', directive, keep);
  addWarnings(reply, result.warnings, warningHeader);
  return body;
}

/** Appends `Warning: 299 - "<text>"` headers (field-validation's warningHeader), one per text, keeping any set before. */
export function addWarnings(reply: FastifyReply, texts: readonly string[], warningHeader: (text: string) => string): void {
  if (!texts.length) return;
  const existing = reply.getHeader('warning');
  const before = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('warning', [...before, ...texts.map(warningHeader)]);
}
