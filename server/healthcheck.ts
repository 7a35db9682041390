// The container image's HEALTHCHECK: GET /readyz on this machine's KUBEMOCK_PORT, over https when
// KUBEMOCK_TLS says so and over the other scheme if that fails (the server may have been started
// with --tls on the command line). Exits 0 when ready, 1 otherwise. Like main.ts, an entry point:
// it reads the environment and exits.
import http from 'node:http';
import https from 'node:https';

function ready(scheme: 'http' | 'https', port: number): Promise<boolean> {
  return new Promise((resolve) => {
    // A probe of the local process, not a trust decision: the certificate is not verified here,
    // as Kubernetes' own httpGet probes do not verify it either.
    const options = { host: '127.0.0.1', port, path: '/readyz', timeout: 2000, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) };
    const req = (scheme === 'https' ? https : http).get(options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

const port = Number(process.env.KUBEMOCK_PORT || 8080);
const first = /^(1|true)$/i.test(process.env.KUBEMOCK_TLS ?? '') ? 'https' : 'http';
const ok = (await ready(first, port)) || (await ready(first === 'https' ? 'http' : 'https', port));
process.exit(ok ? 0 : 1);
