// The command line: reads config, builds the server, listens, prints how to reach it, and shuts
// down cleanly on SIGINT/SIGTERM. The only module that listens, reads argv/env, or exits; the
// process entry points (main.ts, and launcher.ts for the bundle) only call main().
import { writeFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { buildServer } from './app.js';
import { ConfigError, helpText, readConfig, type Config } from './config.js';
import { kubeconfigFor } from './kubeconfig.js';
import { TokenFileError, readTokenFile, type StaticToken } from './auth.js';
import type { TlsMaterial } from './tls.js';
import { controllersPlugin } from '../controllers/manager.js';
import { requireExternal } from './lazy.js';
import { VirtualClock } from '../controllers/virtual-clock.js';

/** Whether host is a loopback address or name: only this machine can reach it. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function warn(message: string): void {
  process.stderr.write(`kubemock: warning: ${message}\n`);
}

/** Pretty, colourised log lines for a person at a terminal; JSON lines otherwise (undefined). */
function logStreamFor(config: Config): DestinationStream | undefined {
  if (!process.stdout.isTTY || config.logLevel === 'silent') return undefined;
  const pretty = requireExternal('pino-pretty') as typeof import('pino-pretty');
  return pretty({ colorize: true, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
}

/** Runs the server the command line asks for; resolves once it listens and has said where. */
export async function main(): Promise<void> {
  let config;
  try {
    config = readConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kubemock: ${err.message}\n\n${helpText()}`);
      process.exit(2);
    }
    throw err;
  }
  if (config.help) {
    process.stdout.write(helpText());
    return;
  }
  let tokens: StaticToken[] | undefined;
  if (config.tokenFile) {
    try {
      const parsed = await readTokenFile(path.resolve(config.tokenFile));
      tokens = parsed.tokens;
      for (const w of parsed.warnings) warn(w);
    } catch (err) {
      if (err instanceof TokenFileError) {
        process.stderr.write(`kubemock: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
    if (!config.tls) warn('--token-file without --tls: kubectl sends no Authorization header over plain http, so its requests will answer 401 Unauthorized; add --tls');
  } else if (!isLoopback(config.host)) {
    warn(`listening on ${config.host} without --token-file: anyone who can reach this port can read and change the cluster`);
  }
  let tls: TlsMaterial | undefined;
  let tempTlsDir: string | undefined;
  if (config.tls) {
    const dir = config.data === 'memory' ? (tempTlsDir = await mkdtemp(path.join(tmpdir(), 'kubemock-tls-'))) : `${path.resolve(config.data)}.tls`;
    // Loaded only with --tls: certificate handling is no part of a plain start.
    const { ensureTlsMaterial } = await import('./tls.js');
    tls = await ensureTlsMaterial(dir, { hosts: [config.host] });
  }
  let app;
  try {
    // --clock virtual: server timestamps and every controller follow one clock that moves only when advanced.
    const virtualClock = config.clock === 'virtual' ? new VirtualClock() : undefined;
    app = await buildServer({
      data: config.data === 'memory' ? 'memory' : path.resolve(config.data),
      nodes: config.nodes,
      logLevel: config.logLevel,
      eventLogCapacity: config.watchCacheSize,
      minRequestTimeoutSeconds: config.minRequestTimeout,
      ...(virtualClock ? { now: () => virtualClock.now() } : {}),
      ...(config.requestLogSize !== undefined ? { requestLogSize: config.requestLogSize } : {}),
      plugins: [controllersPlugin({ ...(virtualClock ? { clock: virtualClock } : {}), ...(config.daemonSetPacing ? { daemonSetPacing: config.daemonSetPacing } : {}) })],
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      ...(tokens ? { tokens } : {}),
      logStream: logStreamFor(config),
      processMetrics: true,
    });
  } catch (err) {
    if (tempTlsDir) await rm(tempTlsDir, { recursive: true, force: true });
    // Loaded here, not at start: a memory store never loads the data file adapter (nor lowdb).
    const { DataFileError } = await import('../store/lowdb-adapter.js');
    if (err instanceof DataFileError) {
      process.stderr.write(`kubemock: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  process.stdout.write(`kubemock listening on ${url}\n`);
  if (tls) process.stdout.write(`TLS certificate ${tls.action === 'reused' ? 'reused from' : `${tls.action} in`} ${tls.dir} (clients trust ${path.join(tls.dir, 'ca.crt')})\n`);
  if (config.writeKubeconfig) {
    const file = path.resolve(config.writeKubeconfig);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, kubeconfigFor(url, { ca: tls?.ca, token: tokens?.[0]?.token }), { mode: 0o600 });
    process.stdout.write(`kubeconfig written to ${file}\n`);
    process.stdout.write(`point kubectl at it: export KUBECONFIG=${file}; kubectl get nodes\n`);
  } else {
    const flags = [`--server=${url}`, ...(tls ? [`--certificate-authority=${path.join(tls.dir, 'ca.crt')}`] : []), ...(tokens ? ['--token=<a token of the token file>'] : [])];
    process.stdout.write(`point kubectl at it: kubectl ${flags.join(' ')} get nodes\n`);
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app
      .close()
      .then(() => (tempTlsDir ? rm(tempTlsDir, { recursive: true, force: true }) : undefined))
      .then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`kubemock: error while closing: ${String(err)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Ends the process on an error main() could not turn into a message of its own. */
export function exitOnFatal(err: unknown): never {
  process.stderr.write(`kubemock: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
