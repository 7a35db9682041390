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
  ].join('\n');
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
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
    help: Boolean(parsed.values.help),
  };
}
