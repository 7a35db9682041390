// Start-up benchmark: in-process startCluster() against a bare Fastify listen, and a spawned
// process's time to answer /readyz (empty store, and with many persisted objects) against a
// spawned bare Node HTTP server. Prints medians and ratios measured side by side.
// Usage: npm run bench:startup [-- --full]   (full: 50,000 persisted objects; default 5,000)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { measureInProcessStart, median, report } from './in-process-start.js';
import { LowdbJournalAdapter } from '../store/lowdb-adapter.js';
import { ObjectStore } from '../store/store.js';
import { CODE_CACHE_FILE } from '../server/launcher.js';

const full = process.argv.includes('--full');
const runs = full ? 30 : 15;
const objects = full ? 50_000 : 5_000;
// What `npm start` and `npx kubemock` run: the bundle with its code cache (server/launcher.ts); and
// beside it, the compiled modules it is built from, loaded one by one.
const entry = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/kubemock.js');
const modulesEntry = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../server/main.js');

/** Spawns a process that prints a URL line, polls its /readyz, returns ms from spawn to the first ok. */
async function timeSpawnToReady(args: string[], urlPattern: RegExp): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = urlPattern.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`exited before listening: ${out}`)));
  });
  for (;;) {
    try {
      const res = await request(`${url}/readyz`);
      const body = await res.body.text();
      if (res.statusCode === 200 && body === 'ok') break;
    } catch {
      // not yet accepting
    }
  }
  const ms = performance.now() - t0;
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  return ms;
}

async function seed(file: string, count: number): Promise<void> {
  const store = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  for (let i = 0; i < count; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, count - i) }, (_, j) =>
        store.create({ group: '', resource: 'pods' }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i + j}`, namespace: 'default', labels: { app: 'bench' } }, spec: { nodeName: `node-${(i + j) % 100}`, containers: [{ name: 'c', image: 'busybox' }] } }),
      ),
    );
  }
  await store.close();
}

const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-bench-'));
const inProcess = await measureInProcessStart(runs);
const plainServer = ['-e', "const s=require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>console.log('listening on http://127.0.0.1:'+s.address().port))"];
const emptyArgs = ['--port', '0', '--data', 'memory', '--log-level', 'silent'];
// A start with no code cache writes it (as the first start after a build does); it is not counted.
await rm(CODE_CACHE_FILE, { force: true });
const uncachedStart = await timeSpawnToReady([entry, ...emptyArgs], /listening on (\S+)/);
const emptyRuns: number[] = [];
const modulesRuns: number[] = [];
const plainRuns: number[] = [];
const loadedRuns: number[] = [];
const loadedFile = path.join(dir, 'loaded.json');
await seed(loadedFile, objects);
for (let i = 0; i < Math.min(runs, 10); i++) {
  emptyRuns.push(await timeSpawnToReady([entry, ...emptyArgs], /listening on (\S+)/));
  modulesRuns.push(await timeSpawnToReady([modulesEntry, ...emptyArgs], /listening on (\S+)/));
  plainRuns.push(await timeSpawnToReady(plainServer, /listening on (\S+)/));
  loadedRuns.push(await timeSpawnToReady([entry, '--port', '0', '--data', loadedFile, '--log-level', 'silent'], /listening on (\S+)/));
}
await rm(dir, { recursive: true, force: true });

const fmt = (n: number) => `${n.toFixed(1)} ms`;
for (const line of report(inProcess)) console.log(line);
console.log(`process spawn -> /readyz, empty store:    median ${fmt(median(emptyRuns))} (target < 300 ms)`);
console.log(`process spawn -> listening, plain node:   median ${fmt(median(plainRuns))}`);
console.log(`ratio kubemock empty / plain node:        ${(median(emptyRuns) / median(plainRuns)).toFixed(2)}`);
console.log(`  the same from the compiled modules:    median ${fmt(median(modulesRuns))} (no bundle, no code cache)`);
console.log(`  the first start after a build:         ${fmt(uncachedStart)} (bundle, writing its code cache)`);
console.log(`process spawn -> /readyz, ${objects} objects: median ${fmt(median(loadedRuns))} (target < 2000 ms at 50,000)`);
