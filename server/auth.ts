// Bearer-token authentication from a static token file (kube-apiserver's --token-file format) and
// one built-in authorization rule: members of the read-only group may only read.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StatusError, unauthorized } from '../store/status-error.js';
import { groupResource, type RequestInfo } from './request-info.js';

/** Members of this group may get, list and watch; every write answers 403 Forbidden. */
export const READ_ONLY_GROUP = 'kubemock:read-only';

/** The group every authenticated user is in, as upstream adds it. */
export const AUTHENTICATED_GROUP = 'system:authenticated';

/** Paths anyone may read without a token, as upstream's system:public-info-viewer role allows. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/healthz', '/version', '/version/']);

/** One line of a token file: `token,user,uid[,"group1,group2"]`. */
export interface StaticToken {
  token: string;
  user: string;
  uid: string;
  groups: readonly string[];
}

/** The user a request authenticated as. */
export interface UserInfo {
  name: string;
  uid: string;
  groups: readonly string[];
}

export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user; undefined when the server has no token file or the path is public. */
    user?: UserInfo;
  }
}

/**
 * Splits CSV text into records as Go's encoding/csv reads it (RFC 4180: quoted fields may hold
 * commas, newlines and doubled quotes; a bare quote in an unquoted field is an error; empty lines
 * are skipped). Returns each record with the line it starts on.
 */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  const src = text.replace(/\r\n/g, '\n');
  let i = 0;
  let line = 1;
  while (i < src.length) {
    if (src[i] === '\n') {
      i++;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        const column = i - src.lastIndexOf('\n', i - 1);
        i++;
        for (;;) {
          if (i >= src.length) throw new TokenFileError(`record on line ${start}; parse error on line ${line}, column ${column}: extraneous or missing " in quoted-field`);
          const c = src[i]!;
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < src.length && src[i] !== ',' && src[i] !== '\n') {
          throw new TokenFileError(`record on line ${start}; parse error on line ${line}, column ${i - src.lastIndexOf('\n', i - 1)}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n') {
          if (src[i] === '"') throw new TokenFileError(`parse error on line ${line}, column ${i - src.lastIndexOf('\n', i - 1)}: bare " in non-quoted-field`);
          field += src[i];
          i++;
        }
      }
      fields.push(field);
      if (src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push({ line: start, fields });
  }
  return records;
}

/**
 * Parses a static token file as kube-apiserver's tokenfile.NewCSV does: at least three columns;
 * the fourth, if present, is a comma-separated group list; a record with an empty token is
 * skipped and a repeated token takes the later record (both with a warning).
 */
export function parseTokenFile(text: string, source = 'token file'): { tokens: StaticToken[]; warnings: string[] } {
  const byToken = new Map<string, StaticToken>();
  const warnings: string[] = [];
  let recordNum = 0;
  for (const { fields } of parseCsv(text)) {
    if (fields.length < 3) throw new TokenFileError(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${fields.length}`);
    recordNum++;
    const [token, user, uid, groups] = fields as [string, string, string, string | undefined];
    if (token === '') {
      warnings.push(`empty token has been found in token file '${source}', record number '${recordNum}'`);
      continue;
    }
    if (byToken.has(token)) warnings.push(`duplicate token has been found in token file '${source}', record number '${recordNum}'`);
    byToken.set(token, { token, user, uid, groups: groups === undefined ? [] : groups.split(',') });
  }
  return { tokens: [...byToken.values()], warnings };
}

/** Reads and parses a token file; throws TokenFileError when it is unreadable, malformed or empty. */
export async function readTokenFile(file: string): Promise<{ tokens: StaticToken[]; warnings: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TokenFileError(`cannot read token file '${file}': ${(err as Error).message}`);
  }
  let parsed;
  try {
    parsed = parseTokenFile(text, file);
  } catch (err) {
    throw err instanceof TokenFileError ? new TokenFileError(`${file}: ${err.message}`) : err;
  }
  if (parsed.tokens.length === 0) throw new TokenFileError(`token file '${file}' holds no token`);
  return parsed;
}

/** The token of an `Authorization: Bearer <token>` header, as upstream's bearertoken authenticator reads it. */
export function bearerToken(header: string | undefined): string | undefined {
  const parts = (header ?? '').trim().split(/\s+/);
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer' || parts[1] === '') return undefined;
  return parts[1];
}

const READ_VERBS = new Set(['get', 'list', 'watch', 'head', 'options']);

/** Whether a read-only user may do what info asks: reads only. */
export function isReadOnlyAllowed(info: RequestInfo): boolean {
  return READ_VERBS.has(info.verb);
}

/** upstream's forbiddenMessage + NewForbidden, for a request the authorizer denied. */
export function forbiddenRequest(user: UserInfo, info: RequestInfo): StatusError {
  if (!info.isResourceRequest) {
    return new StatusError(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${info.verb} path "${info.path}"`, {});
  }
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  const why = `User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" ${scope}`;
  const target = info.name ? `${groupResource(info)} "${info.name}"` : groupResource(info);
  return new StatusError(403, 'Forbidden', `${target} is forbidden: ${why}`, {
    ...(info.name ? { name: info.name } : {}),
    ...(info.apiGroup ? { group: info.apiGroup } : {}),
    kind: info.resource,
  });
}

/**
 * Installs the onRequest hook that authenticates every request but the public paths by its bearer
 * token (401 Unauthorized when missing or unknown) and refuses writes by the read-only group
 * (403 Forbidden). Register it before the routes.
 */
export function installAuthentication(app: FastifyInstance, tokens: readonly StaticToken[]): void {
  const users = new Map<string, UserInfo>();
  for (const t of tokens) users.set(t.token, { name: t.user, uid: t.uid, groups: [...t.groups.filter((g) => g !== AUTHENTICATED_GROUP), AUTHENTICATED_GROUP] });
  app.decorateRequest('user', undefined);
  // A callback hook: an async one costs every request a promise and a microtask turn.
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    const path = request.url.split('?')[0]!;
    if (PUBLIC_PATHS.has(path) && (request.method === 'GET' || request.method === 'HEAD')) return done();
    const token = bearerToken(request.headers.authorization);
    const user = token === undefined ? undefined : users.get(token);
    if (!user) return done(unauthorized());
    request.user = user;
    if (user.groups.includes(READ_ONLY_GROUP)) {
      const info = request.parsed.info;
      if (!isReadOnlyAllowed(info)) return done(forbiddenRequest(user, info));
    }
    done();
  });
}
