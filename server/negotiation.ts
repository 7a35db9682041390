// Content negotiation: which representation a client accepts (JSON, YAML, Table, metadata-only),
// and decoding of request bodies in the media types kube-apiserver reads.
import { badRequest, notAcceptable, unsupportedMediaType } from '../store/status-error.js';
import { lazyModule, loadYaml } from './lazy.js';

const loadProtobuf = lazyModule(() => import('./protobuf.js'));

/** The representation of a response body. */
export type Representation =
  | { as: 'object'; format: 'json' | 'yaml' }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata'; version: 'v1' | 'v1beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/**
 * Chooses the first representation in the client's Accept order that the server can produce.
 * Protobuf is skipped (clients always list JSON after it); nothing acceptable is 406.
 */
export function negotiate(accept: string | undefined, options: { allowTable: boolean } = { allowTable: true }): Representation {
  // Clients send the same few Accept headers over and over: remember the answers (not the 406s).
  const cache = options.allowTable ? NEGOTIATED_WITH_TABLE : NEGOTIATED;
  const key = accept ?? '';
  const known = cache.get(key);
  if (known) return known;
  const chosen = chooseRepresentation(accept, options);
  if (cache.size >= 256) cache.clear();
  cache.set(key, Object.freeze(chosen));
  return chosen;
}

// Bounded memo tables of a pure function of the header text (the values are never changed).
const NEGOTIATED = new Map<string, Representation>();
const NEGOTIATED_WITH_TABLE = new Map<string, Representation>();

function chooseRepresentation(accept: string | undefined, options: { allowTable: boolean }): Representation {
  for (const range of parseAccept(accept)) {
    const { type, params } = range;
    if (params.as) {
      const isMeta = params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1');
      if (!isMeta || (type !== 'application/json' && type !== '*/*')) continue;
      const version = params.v as 'v1' | 'v1beta1';
      if (params.as === 'Table' && options.allowTable) return { as: 'Table', version };
      if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') return { as: 'PartialObjectMetadata', version };
      continue;
    }
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return { as: 'object', format: 'json' };
    if (type === 'application/yaml') return { as: 'object', format: 'yaml' };
  }
  throw notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
}

/** The media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

/** Parses JSON, turning a syntax error into a 400 that names the problem. */
export function parseJsonBody(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`${what}: json parse error: ${(err as Error).message}`);
  }
}

/** Decodes a create/update body by its Content-Type into a plain value. */
export async function decodeObjectBody(contentType: string | undefined, body: Buffer | undefined, what: string): Promise<unknown> {
  if (!body || body.length === 0) throw badRequest(`${what}: the request body is empty`);
  const type = mediaType(contentType);
  switch (type) {
    case 'application/json':
    case '':
      return parseJsonBody(body.toString('utf8'), what);
    case 'application/yaml':
      return parseYamlBody(body.toString('utf8'), what);
    case 'application/vnd.kubernetes.protobuf': {
      const { decodeKubernetesProtobuf } = await loadProtobuf();
      try {
        return decodeKubernetesProtobuf(body);
      } catch (err) {
        throw badRequest(`${what}: protobuf decoding error: ${(err as Error).message}`);
      }
      }
    default:
      throw unsupportedMediaType(contentType ?? '');
  }
}

/** transformDecodeError's summarizeData: up to 30 bytes, as text for an object and hex otherwise. */
function summarizeData(data: Buffer): string {
  if (data.length === 0) return '<empty>';
  const head = data.subarray(0, 30);
  const text = data[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return data.length > 30 ? `${text} ...` : text;
}

/**
 * Decodes a create/update body meant to be a `kind` by its Content-Type. Bytes that do not decode
 * at all are 400 `the object provided is unrecognized (must be of type <Kind>): ...`, as
 * kube-apiserver's transformDecodeError words a failure to find the body's kind.
 */
export async function decodeKindBody(contentType: string | undefined, body: Buffer | undefined, kind: string): Promise<unknown> {
  const data = body ?? Buffer.alloc(0);
  const unrecognized = (detail: string) => badRequest(`the object provided is unrecognized (must be of type ${kind}): ${detail} (${summarizeData(data)})`);
  const type = mediaType(contentType);
  switch (type) {
    case 'application/json':
    case '':
      try {
        return JSON.parse(data.toString('utf8'));
      } catch (err) {
        throw unrecognized(`couldn't get version/kind; json parse error: ${data.length === 0 ? 'unexpected end of JSON input' : (err as Error).message}`);
      }
    case 'application/yaml': {
      const { parse } = await loadYaml();
      try {
        return parse(data.toString('utf8'), { uniqueKeys: false, maxAliasCount: 100 }) ?? null;
      } catch (err) {
        throw unrecognized(`error converting YAML to JSON: yaml: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    case 'application/vnd.kubernetes.protobuf': {
      const { decodeKubernetesProtobuf } = await loadProtobuf();
      try {
        return decodeKubernetesProtobuf(data);
      } catch (err) {
        throw unrecognized((err as Error).message);
      }
    }
    default:
      throw unsupportedMediaType(contentType ?? '');
  }
}

export async function parseYamlBody(text: string, what: string): Promise<unknown> {
  const { parse } = await loadYaml();
  try {
    return parse(text, { uniqueKeys: false, maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`${what}: yaml parse error: ${(err as Error).message}`);
  }
}
