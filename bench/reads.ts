// Read throughput: GET one pod and LIST 1,000 pods, as JSON and as a Table, against a bare Fastify
// route that serves the very same bytes, in the same (child) process and the same run. autocannon
// drives both from this process in alternating 1 s rounds (so load on the machine hits both alike)
// with the same connections; figures are medians over the rounds.
// Usage: npm run bench:reads [-- --full]   (default 5 rounds each; --full: 15)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { pods as POD_DEF } from '../api/resources.js';
import { buildServer } from '../server/app.js';
import { FULL, ms, percentile, podManifest } from './support.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const POD_COUNT = 1000;
const SCENARIOS = [
  { name: 'GET pod, JSON', path: '/api/v1/namespaces/default/pods/agent-0500', accept: 'application/json' },
  { name: 'GET pod, Table', path: '/api/v1/namespaces/default/pods/agent-0500', accept: TABLE },
  { name: `LIST ${POD_COUNT} pods, JSON`, path: '/api/v1/namespaces/default/pods', accept: 'application/json' },
  { name: `LIST ${POD_COUNT} pods, Table`, path: '/api/v1/namespaces/default/pods', accept: TABLE },
] as const;

interface Ports {
  kubemock: number;
  bare: number;
}

/** The child: kubemock with 1,000 Running pods, and a bare Fastify serving each scenario's bytes. */
async function serve(): Promise<void> {
  const app = await buildServer({ data: 'memory', nodes: 3, logLevel: 'silent' });
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (let i = 0; i < POD_COUNT; i++) {
    const name = `agent-${String(i).padStart(4, '0')}`;
    await app.registry.create(POD_DEF, 'default', podManifest(name, { nodeName: `node-${(i % 3) + 1}` }));
    await app.registry.patch(POD_DEF, 'default', name, (current) => ({
      ...current,
      status: {
        phase: 'Running',
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now })),
        hostIP: '10.0.0.2',
        hostIPs: [{ ip: '10.0.0.2' }],
        podIP: `10.64.${i >> 8}.${i & 255}`,
        podIPs: [{ ip: `10.64.${i >> 8}.${i & 255}` }],
        startTime: now,
        qosClass: 'Burstable',
        containerStatuses: [{ name: 'agent', ready: true, restartCount: 0, started: true, image: 'registry.example/monitoring-agent:1.4.2', imageID: 'registry.example/monitoring-agent@sha256:0f0e', containerID: `containerd://${i.toString(16).padStart(64, '0')}`, lastState: {}, state: { running: { startedAt: now } } }],
      },
    }), { subresource: 'status' });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify({ logger: false });
  for (const [i, s] of SCENARIOS.entries()) {
    const res = await app.inject({ url: s.path, headers: { accept: s.accept } });
    if (res.statusCode !== 200) throw new Error(`${s.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    const bytes = res.rawPayload;
    const type = String(res.headers['content-type']);
    bare.get(`/scenario/${i}`, (_request, reply) => reply.type(type).send(bytes));
  }
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
  process.send!({ kubemock: port(app.server), bare: port(bare.server) } satisfies Ports);
  process.on('disconnect', () => process.exit(0));
}

async function measure(url: string, accept: string, duration: number): Promise<autocannon.Result> {
  const result = await autocannon({ url, connections: 10, pipelining: 1, duration, headers: { accept } });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result;
}

const median = (values: number[]): number => percentile(values, 50);

async function main(): Promise<void> {
  const rounds = FULL ? 15 : 5;
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  const ports = await new Promise<Ports>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ports));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  try {
    console.log(`reads: autocannon, 10 connections, ${rounds} alternating 1 s rounds each; kubemock and a bare Fastify route serving the same bytes in one server process`);
    for (const [i, s] of SCENARIOS.entries()) {
      const kubemockUrl = `http://127.0.0.1:${ports.kubemock}${s.path}`;
      const bareUrl = `http://127.0.0.1:${ports.bare}/scenario/${i}`;
      // Warm both (JIT), then alternate.
      await measure(kubemockUrl, s.accept, 1);
      await measure(bareUrl, s.accept, 1);
      const k: autocannon.Result[] = [];
      const b: autocannon.Result[] = [];
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        k.push(await measure(kubemockUrl, s.accept, 1));
        b.push(await measure(bareUrl, s.accept, 1));
        ratios.push(k[r]!.requests.average / b[r]!.requests.average);
      }
      const fig = (rs: autocannon.Result[]) => `${median(rs.map((x) => x.requests.average)).toFixed(0).padStart(6)} req/s (p50 ${ms(median(rs.map((x) => x.latency.p50)))}, p99 ${ms(median(rs.map((x) => x.latency.p99)))})`;
      console.log(`  ${s.name.padEnd(22)} kubemock ${fig(k)}; bare ${fig(b)}; ratio ${median(ratios).toFixed(2)}${i === 0 ? '  (target >= 0.7)' : ''}`);
    }
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
