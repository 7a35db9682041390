// Helpers of the steering end-to-end suites (test/e2e/steering-*.test.ts): an in-process cluster
// from startCluster() driven by real kubectl 1.33, and bounded waits that move a FakeClock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { startCluster, type Cluster, type ClusterOptions, type FakeClock } from '../../index.js';
import { kubectl, kubectlBinary, startServer, type RunResult, type ServerProcess, type StartOptions } from './cluster.js';
import { show } from './kubectl-e2e.js';

export type Kubectl = (args: string[], options?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

export interface SteeringCluster {
  cluster: Cluster;
  /** kubectl 1.33 against the cluster (undefined when the binary is missing). */
  k: Kubectl;
  /** Runs kubectl and throws with its output unless it exits 0; returns stdout. */
  ok(args: string[], options?: { input?: string }): Promise<string>;
}

/** The kubectl the steering suites use, or the reason to skip. */
export function steeringKubectl(): { binary: string } | { skip: string } {
  const binary = kubectlBinary('1.33');
  return binary ? { binary } : { skip: 'kubectl.1.33 is not installed beside kubectl on PATH' };
}

/** Starts an in-process cluster closed at teardown, with kubectl 1.33 bound to it. */
export async function steeringCluster(t: Test, binary: string, options: ClusterOptions = {}): Promise<SteeringCluster> {
  const cluster = await startCluster(options);
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-steering-'));
  t.teardown(async () => {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { cluster, ...boundKubectl(binary, { kubeconfig: cluster.kubeconfig.path, dir }) };
}

function boundKubectl(binary: string, server: Pick<ServerProcess, 'kubeconfig' | 'dir'>): Pick<SteeringCluster, 'k' | 'ok'> {
  const k: Kubectl = (args, opts = {}) => kubectl(binary, server, args, { timeoutMs: 60_000, ...opts });
  const ok = async (args: string[], opts: { input?: string } = {}): Promise<string> => {
    const r = await k(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${show(r)}`);
    return r.stdout;
  };
  return { k, ok };
}

/** Starts the real server process (bin/kubemock.js, stopped at teardown) with kubectl 1.33 bound to it. */
export async function steeringServer(t: Test, binary: string, options: StartOptions = {}): Promise<{ server: ServerProcess } & Pick<SteeringCluster, 'k' | 'ok'>> {
  const server = await startServer(t, options);
  return { server, ...boundKubectl(binary, server) };
}

/** Advances a virtual clock by seconds with kubectl and waits until the cluster caught up (Settled). */
export async function advanceClock(ok: SteeringCluster['ok'], seconds: number): Promise<void> {
  await ok(['patch', 'clock', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { advanceSeconds: seconds } })]);
  await ok(['wait', 'clock/cluster', '--for=condition=Settled', '--timeout=60s']);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Moves clock forward stepMs at a time, giving the controllers a moment of real time after each
 * step, until check() holds; fails after maxMs of clock time (or 60 s of real time).
 */
export async function advanceUntil<T>(clock: FakeClock, what: string, check: () => T | undefined | false, { stepMs = 1000, maxMs = 120_000, settleMs = 15 } = {}): Promise<T> {
  const start = clock.now().getTime();
  const realDeadline = Date.now() + 60_000;
  for (;;) {
    await sleep(settleMs);
    const seen = check();
    if (seen) return seen;
    if (clock.now().getTime() - start > maxMs || Date.now() > realDeadline) throw new Error(`${what}: not reached within ${maxMs / 1000} s of clock time`);
    clock.advance(stepMs);
  }
}

/** Waits (real time, bounded) until check() holds. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await check();
    if (seen) return seen;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}
