// Write throughput and latency: POST pods with 16 requests in flight into a server that already
// stores many objects, with durable persistence (lowdb snapshot + O_DSYNC journal, group commit)
// and, side by side in the same run, with persistence off (memory adapter). Each server runs in a
// process of its own, as a server does, so that neither's heap (and its garbage collection)
// weighs on the other's latency. The two alternate in rounds, each first in turn, so that load on the machine hits
// both alike; the ratio is the median of the rounds' ratios, latencies are pooled per mode.
// Latency under saturation is a queue's (16 waiting for one another on a busy server), so each
// mode is then also offered creates at a fixed rate, half the durable throughput just measured
// (open loop: a request is sent when it is due, whatever the ones before it are doing, and its
// latency counts from when it was due, so a stall is not hidden by the sends it delayed). Each
// server counts the connections opened to it then: the client opens one for each request that
// finds none free, dozens at once after a stall.
// Usage: npm run bench:writes [-- --full] [--warm-up N]   (default 5,000 stored + 3,000 measured creates; --full: 50,000 + 20,000)
import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { namespaces as NAMESPACE_DEF, pods as POD_DEF } from '../api/resources.js';
import { openJournal } from '../store/lowdb-adapter.js';
import { buildServer } from '../server/app.js';
import { FULL, dataSize, mb, ms, numberArg, percentile, podManifest, pool, postJson, runBounded, tempDir } from './support.js';

const STORED = numberArg('stored', FULL ? 50_000 : 5_000);
const CREATES = numberArg('creates', FULL ? 20_000 : 3_000);
const CONCURRENCY = 16;
// Creates each server takes before anything is measured, so that its code is compiled (a server
// in use is warm) and the first rounds do not time the JIT.
const WARM_UP = numberArg('warm-up', FULL ? 2_000 : 300);
const ROUNDS = 6;

type Mode = 'durable' | 'memory';

interface Served {
  port: number;
  dataFile: string;
}

/** What a server measured since its last reset: its own latency per create, and the connections opened to it. */
interface Handled {
  p50: number;
  p99: number;
  connections: number;
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
  // Connections the client opened: an open-loop client opens one for each request that finds none free.
  let connections = 0;
  const started = new WeakMap<object, number>();
  app.addHook('onRequest', async (request) => void started.set(request, performance.now()));
  app.addHook('onResponse', async (request) => void (request.method === 'POST' && handled.push(performance.now() - started.get(request)!)));
  process.on('message', (m) => {
    if (m === 'reset') {
      handled.length = 0;
      connections = 0;
    }
    if (m === 'handled') process.send!({ p50: percentile(handled, 50), p99: percentile(handled, 99), connections } satisfies Handled);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  app.server.on('connection', () => void connections++);
  process.send!({ port: (app.server.address() as { port: number }).port, dataFile } satisfies Served);
  process.on('disconnect', () => tmp.remove().finally(() => process.exit(0)));
}

/** Forks a server process of the given mode and waits until it serves. */
async function startServer(mode: Mode): Promise<{ served: Served; stop: () => void; reset: () => void; handled: () => Promise<Handled> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode, ...process.argv.slice(2)], { stdio: 'inherit' });
  const served = await new Promise<Served>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Served));
    child.once('exit', (code) => reject(new Error(`${mode} server process exited with ${code}`)));
  });
  return {
    served,
    stop: () => child.disconnect(),
    reset: () => child.send('reset'),
    handled: () => new Promise((resolve) => child.once('message', (m) => resolve(m as Handled)).send('handled')),
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

/** The disk alone: `count` appends of a pod-sized record, one at a time, to a file opened as the journal is (O_DSYNC); each latency in ms. */
async function diskAppends(count: number): Promise<number[]> {
  const tmp = await tempDir();
  try {
    const file = await openJournal(path.join(tmp.dir, 'journal'));
    const record = Buffer.alloc(4096, 0x61);
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await file.write(record);
      latencies.push(performance.now() - t0);
    }
    await file.close();
    return latencies;
  } finally {
    await tmp.remove();
  }
}

/**
 * count creates sent at `rate` a second whatever is in flight (a request that finds no connection
 * free opens one, up to 256); adds each latency, from when it was due, to `latencies`.
 */
async function offer(port: number, label: string, count: number, rate: number, latencies: number[]): Promise<void> {
  const client = pool(`http://127.0.0.1:${port}`, 256);
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      postJson(client, '/api/v1/namespaces/default/pods', podManifest(`${label}-${i}`, { nodeName: `node-${(i % 3) + 1}` })).then(() => {
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(inFlight);
  await client.close();
}

/**
 * Which mode goes first in round r: each in turn. Whichever server goes second in a round serves
 * about a tenth more creates a second than the first: two durable servers differing only in where
 * the journal is written, run in this benchmark's place of durable and memory, swapped which was
 * faster when they swapped places. With durable always first, its ratio was biased low.
 */
function roundOrder(r: number): readonly Mode[] {
  return r % 2 === 0 ? ['durable', 'memory'] : ['memory', 'durable'];
}

async function main(): Promise<void> {
  // One after the other: both seeding at once would only make each slower.
  const durable = await startServer('durable');
  const memory = await startServer('memory');
  const ports = { durable: durable.served.port, memory: memory.served.port };
  try {
    console.log(`writes: ${CREATES} pod creates per mode, ${CONCURRENCY} in flight, into servers already storing ${STORED} pods (one server process per mode, each warmed up by ${WARM_UP} creates)`);
    // Warm-up, then durable and memory in alternating rounds.
    await run(ports.durable, 'warm', WARM_UP, []);
    await run(ports.memory, 'warm', WARM_UP, []);
    const perRound = Math.ceil(CREATES / ROUNDS);
    const lat = { durable: [] as number[], memory: [] as number[] };
    const rate = { durable: [] as number[], memory: [] as number[] };
    durable.reset();
    memory.reset();
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of roundOrder(r)) rate[mode].push(await run(ports[mode], `bench-${r}`, perRound, lat[mode]));
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
    console.log(`  durable p99 at saturation ${ms(percentile(lat.durable, 99))}  (target <= 25 ms)`);
    // Open loop at half the durable throughput, alternating modes in rounds as above.
    const rateOffered = Math.max(50, Math.round(percentile(rate.durable, 50) / 2));
    const offered = { durable: [] as number[], memory: [] as number[] };
    durable.reset();
    memory.reset();
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of roundOrder(r)) await offer(ports[mode], `offered-${r}`, Math.ceil(perRound / 2), rateOffered, offered[mode]);
    }
    const opened = { durable: (await durable.handled()).connections, memory: (await memory.handled()).connections };
    const offeredLine = (mode: Mode) => `p50 ${ms(percentile(offered[mode], 50))}, p99 ${ms(percentile(offered[mode], 99))}, max ${ms(percentile(offered[mode], 100))}, ${opened[mode]} connections opened`;
    console.log(`  offered ${rateOffered} creates/s (half the durable throughput), latency from when each was due:`);
    console.log(`    durable: ${offeredLine('durable')};  memory: ${offeredLine('memory')}`);
    console.log(`  ratio durable / memory p99 at ${rateOffered}/s: ${(percentile(offered.durable, 99) / percentile(offered.memory, 99)).toFixed(2)}`);
    // What a durable write cannot beat: the disk's own latency for one O_DSYNC append, measured now.
    const disk = await diskAppends(Math.min(2000, CREATES));
    console.log(`  the disk alone, ${disk.length} O_DSYNC appends of 4 KiB one at a time: p50 ${ms(percentile(disk, 50))}, p99 ${ms(percentile(disk, 99))}, max ${ms(percentile(disk, 100))}`);
    console.log(`  ratio durable p99 at ${rateOffered}/s / the disk's p99: ${(percentile(offered.durable, 99) / percentile(disk, 99)).toFixed(2)}`);
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
