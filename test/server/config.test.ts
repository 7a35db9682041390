import t from 'tap';
import { ConfigError, DEFAULTS, helpText, readConfig } from '../../server/config.js';

t.test('defaults apply when neither flags nor environment say otherwise', async (t) => {
  t.same(readConfig([], {}), { host: '127.0.0.1', port: 8080, data: DEFAULTS.data, nodes: 3, writeKubeconfig: undefined, logLevel: 'info', tls: false, help: false });
});

t.test('every flag has an environment variable, and a flag wins over it', async (t) => {
  const env = { KUBEMOCK_HOST: '::1', KUBEMOCK_PORT: '0', KUBEMOCK_DATA: 'memory', KUBEMOCK_NODES: '7', KUBEMOCK_WRITE_KUBECONFIG: '/tmp/k', KUBEMOCK_LOG_LEVEL: 'debug' };
  t.same(readConfig([], env), { host: '::1', port: 0, data: 'memory', nodes: 7, writeKubeconfig: '/tmp/k', logLevel: 'debug', tls: false, help: false });
  const flags = readConfig(['--host', '0.0.0.0', '--port=9', '--data', 'x.json', '--nodes', '1', '--write-kubeconfig', 'kc', '--log-level', 'warn'], env);
  t.same(flags, { host: '0.0.0.0', port: 9, data: 'x.json', nodes: 1, writeKubeconfig: 'kc', logLevel: 'warn', tls: false, help: false });
});

t.test('bad values and unknown flags are configuration errors', async (t) => {
  for (const argv of [['--port', '70000'], ['--port', 'x'], ['--nodes', '-1'], ['--log-level', 'loud'], ['--bogus'], ['positional'], ['--tls=yes']]) {
    t.throws(() => readConfig(argv, {}), ConfigError, argv.join(' '));
  }
  t.throws(() => readConfig([], { KUBEMOCK_TLS: 'maybe' }), ConfigError, 'KUBEMOCK_TLS=maybe');
});

t.test('--tls and --token-file read their flags and environment variables', async (t) => {
  t.match(readConfig(['--tls', '--token-file', 'tokens.csv'], {}), { tls: true, tokenFile: 'tokens.csv' });
  t.match(readConfig([], { KUBEMOCK_TLS: 'true', KUBEMOCK_TOKEN_FILE: '/etc/kubemock/tokens.csv' }), { tls: true, tokenFile: '/etc/kubemock/tokens.csv' });
  t.match(readConfig([], { KUBEMOCK_TLS: '0' }), { tls: false });
  t.match(readConfig(['--tls'], { KUBEMOCK_TLS: 'false' }), { tls: true }, 'the flag wins');
});

t.test('--help documents every flag and its environment variable', async (t) => {
  t.equal(readConfig(['--help'], {}).help, true);
  const text = helpText();
  for (const word of ['--host', '--port', '--data', '--nodes', '--write-kubeconfig', '--log-level', '--watch-cache-size', '--min-request-timeout', '--tls', '--token-file', '--help', 'KUBEMOCK_HOST', 'KUBEMOCK_PORT', 'KUBEMOCK_DATA', 'KUBEMOCK_NODES', 'KUBEMOCK_WRITE_KUBECONFIG', 'KUBEMOCK_LOG_LEVEL', 'KUBEMOCK_WATCH_CACHE_SIZE', 'KUBEMOCK_MIN_REQUEST_TIMEOUT', 'KUBEMOCK_TLS', 'KUBEMOCK_TOKEN_FILE', 'kubemock:read-only', 'needs --tls', '/metrics']) {
    t.match(text, word);
  }
});

t.test('--clock and --request-log-size', async (t) => {
  t.equal(readConfig(['--clock', 'virtual'], {}).clock, 'virtual');
  t.equal(readConfig([], { KUBEMOCK_CLOCK: 'real' }).clock, 'real');
  t.equal(readConfig([], {}).clock, undefined, 'real time unless asked');
  t.throws(() => readConfig(['--clock', 'fast'], {}), /--clock must be real or virtual, got "fast"/);
  t.equal(readConfig(['--request-log-size', '50'], {}).requestLogSize, 50);
  t.equal(readConfig([], { KUBEMOCK_REQUEST_LOG_SIZE: '0' }).requestLogSize, 0);
  t.throws(() => readConfig(['--request-log-size', 'many'], {}), /--request-log-size must be an integer/);
});
