// Helpers shared by the end-to-end kubectl suites in test/e2e/: one subtest per kubectl version
// (skipped, with the reason, when the binary is missing), a parser for kubectl's aligned tables,
// and background `kubectl get -w` processes that tests read line by line and always kill.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Test } from 'tap';
import { KUBECTL_VERSIONS, kubectl, kubectlBinary, type KubectlVersion, type RunResult, type ServerProcess } from './cluster.js';

/** Bounded kubectl call: every command in the e2e suites runs through this (20 s unless told). */
export type Kubectl = (args: string[], options?: { input?: string; timeoutMs?: number; env?: Record<string, string> }) => Promise<RunResult>;

export interface VersionContext {
  version: KubectlVersion;
  binary: string;
  /** A DNS-label-safe suffix for object names: "127" for 1.27. */
  id: string;
  k: Kubectl;
}

/** The suffix used in object names for one kubectl version ("1.27" → "127"). */
export function versionId(version: KubectlVersion): string {
  return version.replace('.', '');
}

/**
 * Runs fn once per kubectl version 1.27 … 1.33 as a subtest named after the version. A missing
 * binary gives a skipped subtest that says why, never a silent pass.
 */
export async function forEachVersion(t: Test, server: ServerProcess, fn: (t: Test, ctx: VersionContext) => Promise<void>): Promise<void> {
  for (const version of KUBECTL_VERSIONS) {
    const binary = kubectlBinary(version);
    if (!binary) {
      await t.test(`kubectl ${version}`, { skip: `kubectl.${version} is not installed beside kubectl on PATH` }, async () => {});
      continue;
    }
    const k: Kubectl = (args, options = {}) => kubectl(binary, server, args, { timeoutMs: 20_000, ...options });
    await t.test(`kubectl ${version}`, (tt) => fn(tt, { version, binary, id: versionId(version), k }));
  }
}

export interface ParsedTable {
  headers: string[];
  rows: Record<string, string>[];
}

/**
 * Parses kubectl's human-readable output. Columns are found from the header line, whose cells are
 * separated by at least three spaces (kubectl's tabwriter padding) while a header such as
 * "NODE SELECTOR" has single spaces; every row is then cut at the header's column starts, which
 * keeps empty cells and cells with spaces (MESSAGE) intact.
 */
export function parseTable(output: string): ParsedTable {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const headers: string[] = [];
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    headers.push(m[0]);
    starts.push(m.index);
  }
  const rows = lines.slice(1).map((line) => Object.fromEntries(headers.map((h, i) => [h, line.slice(starts[i], starts[i + 1]).trim()])));
  return { headers, rows };
}

/** The row whose first column equals name (or whose `column` equals name). */
export function row(table: ParsedTable, name: string, column = table.headers[0]!): Record<string, string> | undefined {
  return table.rows.find((r) => r[column] === name);
}

export interface Background {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout satisfies test, or rejects after timeoutMs with what was read so far. */
  waitFor(test: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM (then SIGKILL after 2 s); resolves when the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts a long-running kubectl (e.g. `get pods -w`) with the server's kubeconfig. The test's
 * teardown always kills it, so a failing assertion never leaves a kubectl behind.
 */
export function background(t: Test, binary: string, server: Pick<ServerProcess, 'kubeconfig' | 'dir'>, args: string[]): Background {
  const cacheDir = path.join(server.dir, `cache-${path.basename(binary)}`);
  const child = spawn(binary, [`--kubeconfig=${server.kubeconfig}`, `--cache-dir=${cacheDir}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.on('exit', () => {
      for (const w of waiters) w();
      resolve();
    });
    child.on('error', () => resolve());
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  };
  t.teardown(kill);
  const waitFor = (test: (stdout: string) => boolean, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (test(out)) {
          done();
          resolve(out);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`kubectl ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before the expected output.\nstdout:\n${out}\nstderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`kubectl ${args.join(' ')}: expected output not seen within ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, kill };
}

/** A short summary of a kubectl run for assertion messages. */
export function show(r: RunResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}
