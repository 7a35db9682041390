// End-to-end harness: starts the real server process (bin/kubemock.js, as users do) on a free loopback
// port with a temporary data file and kubeconfig, and runs real kubectl binaries against it.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The installed command: the bundle dist/kubemock.cjs, started with its code cache (server/launcher.ts). */
export const SERVER_ENTRY = path.join(ROOT, 'bin/kubemock.js');
const BUNDLE = path.join(ROOT, 'dist/kubemock.cjs');

/** The slice of tap's Test that the harness needs. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface ServerProcess {
  url: string;
  kubeconfig: string;
  dir: string;
  dataFile: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  nodes?: number;
  /** Reuse a directory (and its data file) from an earlier process. */
  dir?: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Starts `node bin/kubemock.js --port 0` and waits for its "listening" line. */
export async function startServer(t: Teardown, options: StartOptions = {}): Promise<ServerProcess> {
  // The launcher would fall back to the compiled modules; tests run what users run.
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "npm run build" first (npm test does)`);
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'kubemock-e2e-')));
  const dataFile = path.join(dir, 'data.json');
  const kubeconfig = path.join(dir, 'kubeconfig');
  const args = [SERVER_ENTRY, '--host', '127.0.0.1', '--port', '0', '--data', dataFile, '--write-kubeconfig', kubeconfig, '--nodes', String(options.nodes ?? 3), '--log-level', 'warn', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /kubemock listening on (\S+)/.exec(out);
      if (m && out.includes('point kubectl at it')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  let stopped = false;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (!stopped) {
      stopped = true;
      child.kill(signal);
    }
    return exited;
  };
  t.teardown(async () => {
    await stop();
    if (!options.dir) await rm(dir, { recursive: true, force: true });
  });
  return { url, kubeconfig, dir, dataFile, child, output: () => out, stop };
}

/** The directory holding kubectl and its versioned siblings kubectl.1.27 … kubectl.1.33. */
function kubectlDirectory(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'kubectl');
    if (existsSync(candidate)) {
      try {
        return path.dirname(realpathSync(candidate));
      } catch {
        return path.dirname(readlinkSync(candidate));
      }
    }
  }
  return undefined;
}

export const KUBECTL_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'] as const;
export type KubectlVersion = (typeof KUBECTL_VERSIONS)[number];

/** The path of kubectl.<version>, or undefined when the machine lacks it. */
export function kubectlBinary(version: KubectlVersion): string | undefined {
  const dir = kubectlDirectory();
  const file = dir && path.join(dir, `kubectl.${version}`);
  return file && existsSync(file) ? file : undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one kubectl with the server's kubeconfig and a private cache dir; never throws on exit codes. */
export function kubectl(binary: string, server: Pick<ServerProcess, 'kubeconfig' | 'dir'>, args: string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  const cacheDir = path.join(server.dir, `cache-${path.basename(binary)}`);
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      [`--kubeconfig=${server.kubeconfig}`, `--cache-dir=${cacheDir}`, ...args],
      { timeout: options.timeoutMs ?? 60_000, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) {
      child.stdin!.end(options.input);
    } else child.stdin?.end();
  });
}

/** Polls fn until it returns a truthy value or the time runs out (then throws with the last value). */
export async function eventually<T>(fn: () => Promise<T> | T, { timeoutMs = 10_000, intervalMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Polls check until it reports ok and returns what it saw; on timeout fails naming what was awaited
 * and what it last saw (kubectl output as text, anything else as JSON).
 */
export async function until<T>(what: string, check: () => Promise<{ ok: boolean; seen: T }>, { timeoutMs = 60_000, intervalMs = 250 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { ok, seen } = await check();
    if (ok) return seen;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s; last seen:\n${typeof seen === 'string' ? seen : JSON.stringify(seen, null, 1)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
