// End-to-end: the real process with --tls and --token-file, driven by kubectl 1.27 and 1.33 with
// the kubeconfig it writes (the certificate is verified against the embedded CA) and by undici.
import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { kubectl, kubectlBinary, startServer, type ServerProcess } from '../helpers/cluster.js';
import { createCertificateAuthority } from '../../server/tls.js';

const TOKEN_FILE = ['admin-token,admin,1,"system:masters"', 'viewer-token,viewer,2,"kubemock:read-only,dev"', ''].join('\n');
const VERSIONS = ['1.27', '1.33'] as const;

/** A directory holding the token file; the server keeps its data, TLS material and kubeconfig there. */
async function serverDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-e2e-tls-'));
  await writeFile(path.join(dir, 'tokens.csv'), TOKEN_FILE);
  return dir;
}

/** Writes a copy of the server's kubeconfig with its user token (and optionally its CA) replaced. */
async function variant(server: ServerProcess, name: string, change: { token?: string; ca?: string }): Promise<{ kubeconfig: string; dir: string }> {
  const config = parseYaml(await readFile(server.kubeconfig, 'utf8')) as { users: Array<{ user: { token?: string } }>; clusters: Array<{ cluster: Record<string, string> }> };
  if (change.token !== undefined) config.users[0]!.user.token = change.token;
  if (change.ca !== undefined) config.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from(change.ca).toString('base64');
  const file = path.join(server.dir, `kubeconfig-${name}`);
  await writeFile(file, toYaml(config), { mode: 0o600 });
  return { kubeconfig: file, dir: server.dir };
}

const dir = await serverDir();
const server = await startServer(t, { dir, args: ['--tls', '--token-file', path.join(dir, 'tokens.csv')] });
t.teardown(() => rm(dir, { recursive: true, force: true }));
const ca = await readFile(`${server.dataFile}.tls/ca.crt`, 'utf8');
const trusting = new Agent({ connect: { ca } });
t.teardown(() => trusting.close());

t.test('the process serves https and writes a kubeconfig that embeds the CA and the first token', async (t) => {
  t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.match(server.output(), /TLS certificate generated in .*data\.json\.tls/);
  const config = parseYaml(await readFile(server.kubeconfig, 'utf8')) as { clusters: Array<{ cluster: Record<string, unknown> }>; users: Array<{ user: Record<string, unknown> }> };
  t.equal(config.clusters[0]!.cluster['insecure-skip-tls-verify'], undefined, 'no insecure-skip-tls-verify');
  t.equal(Buffer.from(String(config.clusters[0]!.cluster['certificate-authority-data']), 'base64').toString(), ca);
  t.same(config.users[0]!.user, { token: 'admin-token' });
});

for (const version of VERSIONS) {
  const binary = kubectlBinary(version);
  t.test(`kubectl ${version} over TLS`, { skip: binary ? false : `kubectl.${version} is not installed beside kubectl on PATH` }, async (t) => {
    const k = (target: { kubeconfig: string; dir: string }, args: string[]) => kubectl(binary!, target, args, { timeoutMs: 30_000 });

    t.test('get nodes works with the generated kubeconfig, the certificate verified', async (t) => {
      const res = await k(server, ['get', 'nodes', '-o', 'name']);
      t.equal(res.code, 0, res.stderr);
      t.same(res.stdout.trim().split('\n'), ['node/node-1', 'node/node-2', 'node/node-3']);
    });

    t.test('a kubeconfig trusting another CA is refused by certificate verification', async (t) => {
      const other = await variant(server, `other-ca-${version}`, { ca: createCertificateAuthority(new Date()).cert });
      const res = await k(other, ['get', 'nodes']);
      t.not(res.code, 0);
      t.match(res.stderr, /x509: certificate signed by unknown authority/);
    });

    t.test('a wrong token answers 401 and kubectl asks to log in', async (t) => {
      const wrong = await variant(server, `wrong-${version}`, { token: 'not-a-token' });
      const res = await k(wrong, ['get', 'nodes']);
      t.equal(res.code, 1);
      t.match(res.stderr, 'error: You must be logged in to the server (Unauthorized)');
    });

    t.test('a read-only token lists but its create answers 403 Forbidden', async (t) => {
      const viewer = await variant(server, `viewer-${version}`, { token: 'viewer-token' });
      const list = await k(viewer, ['get', 'namespaces', '-o', 'name']);
      t.equal(list.code, 0, list.stderr);
      t.match(list.stdout, 'namespace/default');
      const create = await k(viewer, ['create', 'namespace', `x-${version.replace('.', '')}`]);
      t.equal(create.code, 1);
      t.match(create.stderr, 'Error from server (Forbidden): namespaces is forbidden: User "viewer" cannot create resource "namespaces" in API group "" at the cluster scope');
    });
  });
}

t.test('undici: the CA verifies the server, tokens authenticate, the read-only group may not write', async (t) => {
  const get = async (p: string, token?: string) => {
    const res = await request(`${server.url}${p}`, { dispatcher: trusting, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, body: await res.body.text() };
  };
  t.same(await get('/readyz'), { status: 200, body: 'ok' }, '/readyz needs no token');
  const anonymous = await get('/api/v1/nodes');
  t.equal(anonymous.status, 401);
  t.same(JSON.parse(anonymous.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  t.equal((await get('/api/v1/nodes', 'admin-token')).status, 200);
  t.equal((await get('/api/v1/nodes', 'viewer-token')).status, 200);
  const denied = await request(`${server.url}/api/v1/namespaces/default/pods/web`, { method: 'DELETE', dispatcher: trusting, headers: { authorization: 'Bearer viewer-token' } });
  t.equal(denied.statusCode, 403);
  t.match(await denied.body.json(), { reason: 'Forbidden', message: 'pods "web" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "default"' });
  const untrusting = new Agent();
  t.teardown(() => untrusting.close());
  await t.rejects(request(`${server.url}/readyz`, { dispatcher: untrusting }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'without the CA the certificate does not verify');
});

t.test('a restart over the same data file reuses the CA, so old kubeconfigs keep working', async (t) => {
  const restartDir = await serverDir();
  t.teardown(() => rm(restartDir, { recursive: true, force: true }));
  const args = ['--tls', '--token-file', path.join(restartDir, 'tokens.csv')];
  const first = await startServer(t, { dir: restartDir, args });
  const firstConfig = await readFile(first.kubeconfig, 'utf8');
  t.equal(await first.stop(), 0);
  const second = await startServer(t, { dir: restartDir, args });
  t.match(second.output(), /TLS certificate reused from/);
  const secondConfig = parseYaml(await readFile(second.kubeconfig, 'utf8')) as { clusters: Array<{ cluster: Record<string, unknown> }> };
  const firstParsed = parseYaml(firstConfig) as typeof secondConfig;
  const firstCa = firstParsed.clusters[0]!.cluster['certificate-authority-data'];
  t.equal(secondConfig.clusters[0]!.cluster['certificate-authority-data'], firstCa);
  const oldTrust = new Agent({ connect: { ca: Buffer.from(String(firstCa), 'base64').toString() } });
  t.teardown(() => oldTrust.close());
  const res = await request(`${second.url}/readyz`, { dispatcher: oldTrust });
  t.equal(await res.body.text(), 'ok', 'the first CA verifies the restarted server');
});

t.test('with --data memory the TLS material lives in a temp dir removed on exit', async (t) => {
  const memory = await startServer(t, { args: ['--tls', '--data', 'memory'] });
  const tlsDir = /TLS certificate generated in (\S+)/.exec(memory.output())?.[1];
  t.ok(tlsDir && existsSync(path.join(tlsDir, 'ca.crt')), `CA in ${tlsDir}`);
  t.equal(await memory.stop(), 0);
  t.notOk(existsSync(tlsDir!), 'removed after exit');
});

t.test('binding a non-loopback address without a token file warns on stderr; tokens without TLS warn too', async (t) => {
  const open = await startServer(t, { args: ['--host', '0.0.0.0', '--data', 'memory'] });
  t.match(open.output(), 'kubemock: warning: listening on 0.0.0.0 without --token-file');
  await open.stop();
  const tokensDir = await serverDir();
  t.teardown(() => rm(tokensDir, { recursive: true, force: true }));
  const plain = await startServer(t, { dir: tokensDir, args: ['--token-file', path.join(tokensDir, 'tokens.csv'), '--data', 'memory'] });
  t.match(plain.output(), 'kubemock: warning: --token-file without --tls');
  t.notMatch(plain.output(), 'without --token-file');
});
