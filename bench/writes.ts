// Write throughput and latency: POST pods with 16 requests in flight into a server that already
// stores many objects, with durable persistence (lowdb snapshot + O_DSYNC journal, group commit)
// and, side by side in the same run, with persistence off (memory adapter). Each server runs in a
// process of its own, as a server does, so that neither's heap (and its garbage collection)
// weighs on the other's latency. The two alternate in rounds so that load on the machine hits
// both alike; the ratio is the median of the rounds' ratios, latencies are pooled per mode.
// Usage: npm run bench:writes [-- --full]   (default 5,000 stored + 3,000 measured creates; --full: 50,000 + 20,000)
import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { namespaces as NAMESPACE_DEF, pods as POD_DEF } from '../api/resources.js';
import { buildServer } from '../server/app.js';
import { FULL, dataSize, mb, ms, numberArg, percentile, podManifest, pool, postJson, runBounded, tempDir } from './support.js';

const STORED = numberArg('stored', FULL ? 50_000 : 5_000);
const CREATES = numberArg('creates', FULL ? 20_000 : 3_000);
const CONCURRENCY = 16;
const ROUNDS = 6;

type Mode = 'durable' | 'memory';

interface Served {
  port: number;
  dataFile: string;
}

/** The child: one server of the given mode, already holding STORED pods. */
async function serve(mode: Mode): Promise<void> {
  const tmp = await tempDir();
  const dataFile = path.join(tmp.dir, 'data.json');
  const app = await buildServer({ data: mode === 'durable' ? dataFile : 'memory', nodes: 3, logLevel: 'silent' });
  await app.registry.create(NAMESPACE_DEF, undefined, { metadata: { name: 'stored' } });
  await runBounded(STORED, 256, async (i) => {
    await app.registry.create(POD_DEF, 'stored', podManifest(`stored-${i}`, { namespace: 'stored', nodeName: `node-${(i % 3) + 1}` }));
  });
  // Inside the server, from the request's first byte parsed to its answer sent: what the client
  // measures beyond this is the wait for the event loop (and for the client's own).
  const handled: number[] = [];
  const started = new WeakMap<object, number>();
  app.addHook('onRequest', async (request) => void started.set(request, performance.now()));
  app.addHook('onResponse', async (request) => void (request.method === 'POST' && handled.push(performance.now() - started.get(request)!)));
  process.on('message', (m) => {
    if (m === 'reset') handled.length = 0;
    if (m === 'handled') process.send!({ p50: percentile(handled, 50), p99: percentile(handled, 99) });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ port: (app.server.address() as { port: number }).port, dataFile } satisfies Served);
  process.on('disconnect', () => tmp.remove().finally(() => process.exit(0)));
}

/** Forks a server process of the given mode and waits until it serves. */
async function startServer(mode: Mode): Promise<{ served: Served; stop: () => void; reset: () => void; handled: () => Promise<{ p50: number; p99: number }> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode, ...process.argv.slice(2)], { stdio: 'inherit' });
  const served = await new Promise<Served>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Served));
    child.once('exit', (code) => reject(new Error(`${mode} server process exited with ${code}`)));
  });
  return {
    served,
    stop: () => child.disconnect(),
    reset: () => child.send('reset'),
    handled: () => new Promise((resolve) => child.once('message', (m) => resolve(m as { p50: number; p99: number })).send('handled')),
  };
}

/** count creates with CONCURRENCY in flight; returns creates per second and adds each latency to `latencies`. */
async function run(port: number, label: string, count: number, latencies: number[]): Promise<number> {
  const client = pool(`http://127.0.0.1:${port}`, CONCURRENCY);
  const start = performance.now();
  await runBounded(count, CONCURRENCY, async (i) => {
    const t0 = performance.now();
    await postJson(client, '/api/v1/namespaces/default/pods', podManifest(`${label}-${i}`, { nodeName: `node-${(i % 3) + 1}` }));
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - start) / 1000;
  await client.close();
  return count / seconds;
}

async function main(): Promise<void> {
  // One after the other: both seeding at once would only make each slower.
  const durable = await startServer('durable');
  const memory = await startServer('memory');
  const ports = { durable: durable.served.port, memory: memory.served.port };
  try {
    console.log(`writes: ${CREATES} pod creates per mode, ${CONCURRENCY} in flight, into servers already storing ${STORED} pods (one server process per mode)`);
    // Warm-up, then durable and memory in alternating rounds.
    await run(ports.durable, 'warm', 300, []);
    await run(ports.memory, 'warm', 300, []);
    const perRound = Math.ceil(CREATES / ROUNDS);
    const lat = { durable: [] as number[], memory: [] as number[] };
    const rate = { durable: [] as number[], memory: [] as number[] };
    durable.reset();
    memory.reset();
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      rate.durable.push(await run(ports.durable, `bench-${r}`, perRound, lat.durable));
      rate.memory.push(await run(ports.memory, `bench-${r}`, perRound, lat.memory));
      ratios.push(rate.durable[r]! / rate.memory[r]!);
    }
    const line = (name: string, mode: 'durable' | 'memory') =>
      `  ${name.padEnd(34)} ${percentile(rate[mode], 50).toFixed(0).padStart(6)} creates/s (median of ${ROUNDS} rounds), p50 ${ms(percentile(lat[mode], 50))}, p99 ${ms(percentile(lat[mode], 99))}, max ${ms(percentile(lat[mode], 100))}`;
    console.log(line('durable (lowdb + O_DSYNC journal):', 'durable'));
    console.log(line('persistence off (memory adapter):', 'memory'));
    for (const [name, server] of [['durable', durable], ['memory', memory]] as const) {
      const inside = await server.handled();
      console.log(`    ${name.padEnd(7)} inside the server (parsed to answered): p50 ${ms(inside.p50)}, p99 ${ms(inside.p99)}`);
    }
    console.log(`  ratio durable / memory throughput:  ${percentile(ratios, 50).toFixed(2)}  (median of the rounds' ratios; target >= 0.5)`);
    console.log(`  durable p99 ${ms(percentile(lat.durable, 99))}  (target <= 25 ms)`);
    const size = await dataSize(durable.served.dataFile);
    console.log(`  data on disk: snapshot ${mb(size.snapshot)}, journal ${mb(size.journal)}`);
  } finally {
    durable.stop();
    memory.stop();
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) await serve(process.argv[serveIndex + 1] as Mode);
else await main();
