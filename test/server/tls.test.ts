import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { CoreV1Api } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { addressBytes, createCertificateAuthority, createServingCertificate, ensureTlsMaterial, servingHosts } from '../../server/tls.js';
import { testServer } from '../helpers/server.js';
import { startCluster } from '../../index.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the first start makes a CA and a serving certificate for the loopback names and the host', async (t) => {
  const dir = await tempDir(t);
  const material = await ensureTlsMaterial(dir, { hosts: ['kubemock.test', '10.20.30.40'] });
  t.equal(material.action, 'generated');
  const ca = new X509Certificate(material.ca);
  const cert = new X509Certificate(material.cert);
  t.ok(ca.ca, 'ca.crt is a CA');
  t.notOk(cert.ca, 'server.crt is not');
  t.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'server.crt is signed by ca.crt');
  t.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:kubemock.test, IP Address:10.20.30.40');
  t.match(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage serverAuth');
  for (const [file, mode] of [['ca.crt', 0o644], ['ca.key', 0o600], ['server.crt', 0o644], ['server.key', 0o600]] as const) {
    t.equal((await stat(path.join(dir, file))).mode & 0o777, mode, `${file} mode ${mode.toString(8)}`);
  }
  t.equal(await readFile(path.join(dir, 'ca.crt'), 'utf8'), material.ca);
});

t.test('a later start reuses the kept material, and a new host reissues only the serving certificate', async (t) => {
  const dir = await tempDir(t);
  const first = await ensureTlsMaterial(dir, { hosts: ['127.0.0.1'] });
  const again = await ensureTlsMaterial(dir, { hosts: ['127.0.0.1'] });
  t.equal(again.action, 'reused');
  t.same([again.ca, again.cert, again.key], [first.ca, first.cert, first.key]);
  const moved = await ensureTlsMaterial(dir, { hosts: ['192.0.2.7'] });
  t.equal(moved.action, 'reissued');
  t.equal(moved.ca, first.ca, 'the CA clients trust stays the same');
  t.not(moved.cert, first.cert);
  t.ok(new X509Certificate(moved.cert).checkIP('192.0.2.7'));
});

t.test('a serving certificate near expiry is reissued, a CA near expiry is replaced', async (t) => {
  const dir = await tempDir(t);
  const first = await ensureTlsMaterial(dir, { now: new Date('2030-01-01T00:00:00Z') });
  const later = await ensureTlsMaterial(dir, { now: new Date('2032-03-15T00:00:00Z') });
  t.equal(later.action, 'reissued', 'the 825-day serving certificate is renewed 30 days before it ends');
  t.equal(later.ca, first.ca);
  const muchLater = await ensureTlsMaterial(dir, { now: new Date('2038-06-01T00:00:00Z') });
  t.equal(muchLater.action, 'generated', 'a CA that would not outlive a new serving certificate is replaced');
});

t.test('material brought without ca.key is used as it is', async (t) => {
  const dir = await tempDir(t);
  const own = await ensureTlsMaterial(dir, { hosts: ['only.test'] });
  await unlink(path.join(dir, 'ca.key'));
  const used = await ensureTlsMaterial(dir, { hosts: ['other.test'] });
  t.equal(used.action, 'reused');
  t.equal(used.cert, own.cert);
});

t.test('serving hosts skip wildcard addresses and repeats, and addresses encode as SAN bytes', async (t) => {
  t.same(servingHosts(['0.0.0.0', '::', '[::1]', 'LOCALHOST', '0:0:0:0:0:0:0:1', 'api.test']), ['localhost', '127.0.0.1', '::1', 'api.test']);
  t.equal(addressBytes('::1').toString('hex'), '00000000000000000000000000000001');
  t.equal(addressBytes('2001:db8::8:800:200c:417a').toString('hex'), '20010db80000000000080800200c417a');
  t.equal(addressBytes('::ffff:192.0.2.1').toString('hex'), '00000000000000000000ffffc0000201');
  t.equal(addressBytes('10.0.0.1').toString('hex'), '0a000001');
});

t.test('a certificate valid past 2049 carries GeneralizedTime and still parses', async (t) => {
  const ca = createCertificateAuthority(new Date('2045-01-01T00:00:00Z'));
  const cert = createServingCertificate(ca, ['localhost'], new Date('2049-06-01T00:00:00Z'));
  const x509 = new X509Certificate(cert.cert);
  t.match(x509.validTo, /2051/);
  t.ok(x509.verify(new X509Certificate(ca.cert).publicKey));
});

t.test('an https server verifies against the CA and fails verification without it', async (t) => {
  const dir = await tempDir(t);
  const tls = await ensureTlsMaterial(dir);
  const { app } = await testServer(t, { https: { cert: tls.cert, key: tls.key } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  for (const host of ['127.0.0.1', 'localhost']) {
    const trusted = new Agent({ connect: { ca: tls.ca } });
    t.teardown(() => trusted.close());
    const res = await request(`https://${host}:${port}/api/v1/nodes`, { dispatcher: trusted });
    t.equal(res.statusCode, 200, `verified as ${host}`);
    await res.body.dump();
  }
  const untrusting = new Agent();
  t.teardown(() => untrusting.close());
  await t.rejects(request(`https://127.0.0.1:${port}/readyz`, { dispatcher: untrusting }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
});

t.test('startCluster({ tls: true }) serves https and its kubeconfig embeds the CA instead of skipping verification', async (t) => {
  const cluster = await startCluster({ tls: true, nodes: 2, controllers: false });
  t.teardown(() => cluster.close());
  t.match(cluster.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const config = parseYaml(cluster.kubeconfig.text) as { clusters: Array<{ cluster: Record<string, unknown> }> };
  const entry = config.clusters[0]!.cluster;
  t.equal(entry['insecure-skip-tls-verify'], undefined);
  t.equal(Buffer.from(String(entry['certificate-authority-data']), 'base64').toString(), cluster.ca);
  const nodes = await cluster.kubeConfig.makeApiClient(CoreV1Api).listNode();
  t.equal(nodes.items.length, 2, '@kubernetes/client-node verifies and lists');
});

t.test('startCluster with a data file keeps the TLS material beside it and reuses it', async (t) => {
  const dir = await tempDir(t);
  const data = path.join(dir, 'cluster.json');
  const first = await startCluster({ tls: true, data, controllers: false });
  await first.close();
  const second = await startCluster({ tls: true, data, controllers: false });
  t.teardown(() => second.close());
  t.equal(second.ca, first.ca);
  t.equal(await readFile(`${data}.tls/ca.crt`, 'utf8'), first.ca);
});
