// Command-line flags and their environment variables: the only place argv and env are read.
import { parseArgs } from 'node:util';

export interface Config {
  host: string;
  port: number;
  /** The lowdb data file, or 'memory' for no persistence. */
  data: string;
  nodes: number;
  writeKubeconfig: string | undefined;
  logLevel: string;
  /** Watch events kept for resuming watches (older resourceVersions answer 410 Gone); undefined: the server's default. */
  watchCacheSize: number | undefined;
  /** Watches without timeoutSeconds end after this many seconds times 1..2 (0: never); undefined: the server's default. */
  minRequestTimeout: number | undefined;
  /** Serve HTTPS with a generated (then kept) CA and serving certificate. */
  tls: boolean;
  /** A kube-apiserver static token file; when set, requests need a bearer token. */
  tokenFile: string | undefined;
  /** 'virtual': time stands still until advanced through the kubemock.dev Clock; undefined: real time. */
  clock: 'real' | 'virtual' | undefined;
  /** Requests the request log keeps (kubemock.dev RecordedRequests); undefined: the server's default. */
  requestLogSize: number | undefined;
  /** DaemonSet pacing for DaemonSets without the kubemock.dev/daemonset-pacing annotation; undefined: instant. */
  daemonSetPacing: 'instant' | 'realistic' | 'fixed' | undefined;
  help: boolean;
}

interface FlagSpec {
  flag: keyof typeof FLAG_NAMES;
  env: string;
  description: string;
}

const FLAG_NAMES = {
  host: 'host',
  port: 'port',
  data: 'data',
  nodes: 'nodes',
  'write-kubeconfig': 'writeKubeconfig',
  'log-level': 'logLevel',
  'watch-cache-size': 'watchCacheSize',
  'min-request-timeout': 'minRequestTimeout',
  tls: 'tls',
  'token-file': 'tokenFile',
  clock: 'clock',
  'request-log-size': 'requestLogSize',
  'daemonset-pacing': 'daemonSetPacing',
} as const;

const FLAGS: readonly FlagSpec[] = [
  { flag: 'host', env: 'KUBEMOCK_HOST', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 in the container image)' },
  { flag: 'port', env: 'KUBEMOCK_PORT', description: 'port to listen on; 0 picks a free port and prints it (default 8080)' },
  { flag: 'data', env: 'KUBEMOCK_DATA', description: "the lowdb data file, or 'memory' to keep nothing (default ./data/kubemock.json)" },
  { flag: 'nodes', env: 'KUBEMOCK_NODES', description: 'on a fresh data file, seed this many Ready nodes (default 3)' },
  { flag: 'write-kubeconfig', env: 'KUBEMOCK_WRITE_KUBECONFIG', description: 'write a kubeconfig for this server to the given path' },
  { flag: 'log-level', env: 'KUBEMOCK_LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent (default info)' },
  { flag: 'watch-cache-size', env: 'KUBEMOCK_WATCH_CACHE_SIZE', description: 'watch events kept for resuming watches; older resourceVersions get 410 Gone (default 100000)' },
  { flag: 'min-request-timeout', env: 'KUBEMOCK_MIN_REQUEST_TIMEOUT', description: 'a watch without timeoutSeconds ends after this many seconds times 1..2, as kube-apiserver; 0 never (default 1800)' },
  { flag: 'tls', env: 'KUBEMOCK_TLS', description: 'serve HTTPS; a CA and serving certificate are made on first start and kept in <data>.tls/ (a temp dir with --data memory); env: true/false/1/0' },
  { flag: 'clock', env: 'KUBEMOCK_CLOCK', description: "real (default) or virtual: time stands still until advanced through the kubemock.dev Clock 'cluster'" },
  { flag: 'request-log-size', env: 'KUBEMOCK_REQUEST_LOG_SIZE', description: 'requests kept in memory as kubemock.dev RecordedRequests; 0 turns the log off (default 1000)' },
  { flag: 'daemonset-pacing', env: 'KUBEMOCK_DAEMONSET_PACING', description: 'instant (default), realistic (250 creates a sync in slow-start batches at 20 QPS, burst 30) or fixed; a DaemonSet annotation overrides it' },
  { flag: 'token-file', env: 'KUBEMOCK_TOKEN_FILE', description: 'kube-apiserver static token file (token,user,uid,"group1,group2"): requests need "Authorization: Bearer <token>"; needs --tls for kubectl' },
];

export const DEFAULTS = { host: '127.0.0.1', port: 8080, data: './data/kubemock.json', nodes: 3, logLevel: 'info' } as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function helpText(): string {
  const lines = FLAGS.map((f) => `  --${f.flag.padEnd(20)} ${f.env.padEnd(29)} ${f.description}`);
  return [
    'Usage: kubemock [flags]',
    '',
    'A Kubernetes API server in one process: namespaces, nodes, pods, events and DaemonSets.',
    '',
    'Flags (each also read from the environment variable beside it; a flag wins):',
    ...lines,
    `  --${'help'.padEnd(20)} ${''.padEnd(29)} print this help`,
    '',
    'TLS and tokens:',
    '  kubectl sends no Authorization header over plain http, so --token-file needs --tls for kubectl',
    '  (curl sends it either way). With --write-kubeconfig, the kubeconfig embeds',
    "  the CA (certificate-authority-data) and the first token of the file. Users in the group",
    '  "kubemock:read-only" may get, list and watch; their writes answer 403 Forbidden. /livez,',
    '  /readyz, /healthz and /version need no token; everything else, /metrics included, does.',
    '',
    'Endpoints beside the Kubernetes API: /livez /readyz /healthz /version /metrics (Prometheus text format).',
    'Logs: pino JSON lines on stdout, pretty when stdout is a terminal; info logs controller actions,',
    'debug adds one line per request.',
    '',
  ].join('\n');
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A boolean environment variable: true/false/1/0 in any case; unset or empty is false. */
function boolean(name: string, text: string | undefined): boolean {
  if (text === undefined || text === '') return false;
  if (/^(1|true)$/i.test(text)) return true;
  if (/^(0|false)$/i.test(text)) return false;
  throw new ConfigError(`${name} must be true, false, 1 or 0, got ${JSON.stringify(text)}`);
}

function pacingMode(text: string | undefined): Config['daemonSetPacing'] {
  if (text === undefined || text === 'instant' || text === 'realistic' || text === 'fixed') return text;
  throw new ConfigError(`--daemonset-pacing must be instant, realistic or fixed, got ${JSON.stringify(text)}`);
}

function clockMode(text: string | undefined): Config['clock'] {
  if (text === undefined || text === 'real' || text === 'virtual') return text;
  throw new ConfigError(`--clock must be real or virtual, got ${JSON.stringify(text)}`);
}

/** Reads flags, then environment variables, then defaults. Throws ConfigError on bad input. */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        data: { type: 'string' },
        nodes: { type: 'string' },
        'write-kubeconfig': { type: 'string' },
        'log-level': { type: 'string' },
        'watch-cache-size': { type: 'string' },
        'min-request-timeout': { type: 'string' },
        tls: { type: 'boolean' },
        'token-file': { type: 'string' },
        clock: { type: 'string' },
        'request-log-size': { type: 'string' },
        'daemonset-pacing': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const value = (flag: FlagSpec['flag']): string | undefined => {
    const spec = FLAGS.find((f) => f.flag === flag)!;
    return (parsed.values[flag] as string | undefined) ?? (env[spec.env] || undefined);
  };
  const logLevel = value('log-level') ?? DEFAULTS.logLevel;
  const watchCacheSize = value('watch-cache-size');
  const minRequestTimeout = value('min-request-timeout');
  const requestLogSize = value('request-log-size');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new ConfigError(`--log-level must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(logLevel)}`);
  return {
    host: value('host') ?? DEFAULTS.host,
    port: integer('port', value('port') ?? String(DEFAULTS.port), 0, 65535),
    data: value('data') ?? DEFAULTS.data,
    nodes: integer('nodes', value('nodes') ?? String(DEFAULTS.nodes), 0, 100_000),
    writeKubeconfig: value('write-kubeconfig'),
    logLevel,
    watchCacheSize: watchCacheSize === undefined ? undefined : integer('watch-cache-size', watchCacheSize, 1, 100_000_000),
    minRequestTimeout: minRequestTimeout === undefined ? undefined : integer('min-request-timeout', minRequestTimeout, 0, 31_536_000),
    tls: parsed.values.tls === true || boolean('KUBEMOCK_TLS', env.KUBEMOCK_TLS),
    tokenFile: value('token-file'),
    clock: clockMode(value('clock')),
    daemonSetPacing: pacingMode(value('daemonset-pacing')),
    requestLogSize: requestLogSize === undefined ? undefined : integer('request-log-size', requestLogSize, 0, 10_000_000),
    help: Boolean(parsed.values.help),
  };
}
