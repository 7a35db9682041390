// Watch fan-out: W watchers on pods (durable store, no controllers) while U updates are written
// with 10 in flight. For every (watcher, event): delivery latency from the write's acknowledgement
// (the client has the 200) to the event line arriving at that watcher. Every watcher must see
// every update exactly once, in resourceVersion order. Side by side in the same run: the latency of
// one watcher alone, so the ratio shows what W-fold fan-out costs.
// Usage: npm run bench:watch [-- --full]   (default 100 watchers, 1,000 updates; --full: 100 and 5,000)
import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { pods as POD_DEF } from '../api/resources.js';
import { buildServer } from '../server/app.js';
import { FULL, ms, numberArg, percentile, podManifest, pool, runBounded, tempDir } from './support.js';

const WATCHERS = numberArg('watchers', 100);
const UPDATES = numberArg('updates', FULL ? 5000 : 1000);
const PODS = 100;

async function serve(): Promise<void> {
  const tmp = await tempDir();
  const app = await buildServer({ data: path.join(tmp.dir, 'data.json'), nodes: 3, logLevel: 'silent' });
  for (let i = 0; i < PODS; i++) await app.registry.create(POD_DEF, 'default', podManifest(`watched-${i}`, { nodeName: `node-${(i % 3) + 1}` }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!((app.server.address() as { port: number }).port);
  process.on('disconnect', () => tmp.remove().finally(() => process.exit(0)));
}

/** A watcher that records (resourceVersion, arrival time) of every event line; parses only the resourceVersion. */
async function watcher(base: string, fromRV: string): Promise<{ seen: Array<[number, number]>; stop(): void }> {
  const controller = new AbortController();
  const res = await request(`${base}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${fromRV}`, { signal: controller.signal });
  const seen: Array<[number, number]> = [];
  let buffered = '';
  res.body.on('data', (chunk: Buffer) => {
    const at = performance.now();
    buffered += chunk.toString('latin1');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      // metadata.resourceVersion is the first resourceVersion of a pod event line.
      const m = /"resourceVersion":"(\d+)"/.exec(line);
      if (m) seen.push([Number(m[1]), at]);
    }
  });
  res.body.on('error', () => undefined);
  return { seen, stop: () => controller.abort() };
}

async function round(base: string, watchers: number, updates: number, offset: number): Promise<{ p50: number; p99: number; max: number; problems: string[] }> {
  const client = pool(base, 10);
  const list = await request(`${base}/api/v1/namespaces/default/pods?limit=1`);
  const fromRV = ((await list.body.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const ws = await Promise.all(Array.from({ length: watchers }, () => watcher(base, fromRV)));
  await new Promise((r) => setTimeout(r, 200));
  const ackedAt = new Map<number, number>();
  await runBounded(updates, 10, async (i) => {
    const res = await client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/default/pods/watched-${i % PODS}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { step: String(offset + i) } } }),
    });
    const body = (await res.body.json()) as { metadata: { resourceVersion: string } };
    ackedAt.set(Number(body.metadata.resourceVersion), performance.now());
  });
  const expected = [...ackedAt.keys()].sort((a, b) => a - b);
  const deadline = performance.now() + 30_000;
  while (ws.some((w) => w.seen.length < expected.length) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const latencies: number[] = [];
  const problems: string[] = [];
  ws.forEach((w, n) => {
    const rvs = w.seen.map(([rv]) => rv);
    if (rvs.some((rv, i) => i > 0 && rv <= rvs[i - 1]!)) problems.push(`watcher ${n} saw events out of order`);
    if (rvs.length !== expected.length || rvs.some((rv, i) => rv !== expected[i])) problems.push(`watcher ${n} saw ${rvs.length} of ${expected.length} events, or others than written`);
    // An event may arrive before the writer has read its own answer: that is a delivery latency of 0.
    for (const [rv, at] of w.seen) latencies.push(Math.max(0, at - (ackedAt.get(rv) ?? at)));
  });
  for (const w of ws) w.stop();
  await client.close();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100), problems };
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await round(base, 1, 200, 0); // warm-up
    const single = await round(base, 1, UPDATES, 1_000_000);
    const many = await round(base, WATCHERS, UPDATES, 2_000_000);
    console.log(`watch: ${UPDATES} pod updates, 10 in flight, durable store; latency from the write's acknowledgement to the event at each watcher`);
    console.log(`  ${String(WATCHERS).padStart(3)} watchers: p50 ${ms(many.p50)}, p99 ${ms(many.p99)}, max ${ms(many.max)} over ${WATCHERS * UPDATES} deliveries  (target p99 <= 20 ms)`);
    console.log(`    1 watcher:  p50 ${ms(single.p50)}, p99 ${ms(single.p99)}, max ${ms(single.max)}`);
    console.log(`  ratio p99 ${WATCHERS} watchers / 1 watcher: ${(many.p99 / Math.max(single.p99, 0.01)).toFixed(2)}`);
    const problems = [...single.problems, ...many.problems];
    console.log(problems.length ? `  PROBLEMS: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5})` : ''}` : `  every watcher saw every update exactly once, in order`);
    if (problems.length) process.exitCode = 1;
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
