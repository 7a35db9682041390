// The process entry point: reads config, builds the server, listens, prints how to reach it, and
// shuts down cleanly on SIGINT/SIGTERM. The only file that listens, reads argv/env, or exits.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildServer } from './app.js';
import { ConfigError, helpText, readConfig } from './config.js';
import { kubeconfigFor } from './kubeconfig.js';
import { DataFileError } from '../store/lowdb-adapter.js';
import { controllersPlugin } from '../controllers/manager.js';

async function main(): Promise<void> {
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
  let app;
  try {
    app = await buildServer({
      data: config.data === 'memory' ? 'memory' : path.resolve(config.data),
      nodes: config.nodes,
      logLevel: config.logLevel,
      eventLogCapacity: config.watchCacheSize,
      minRequestTimeoutSeconds: config.minRequestTimeout,
      plugins: [controllersPlugin()],
    });
  } catch (err) {
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
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  process.stdout.write(`kubemock listening on ${url}\n`);
  if (config.writeKubeconfig) {
    const file = path.resolve(config.writeKubeconfig);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, kubeconfigFor(url));
    process.stdout.write(`kubeconfig written to ${file}\n`);
    process.stdout.write(`point kubectl at it: export KUBECONFIG=${file}; kubectl get nodes\n`);
  } else {
    process.stdout.write(`point kubectl at it: kubectl --server=${url} get nodes\n`);
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
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

main().catch((err: unknown) => {
  process.stderr.write(`kubemock: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
