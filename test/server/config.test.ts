import t from 'tap';
import { ConfigError, DEFAULTS, helpText, readConfig } from '../../server/config.js';

t.test('defaults apply when neither flags nor environment say otherwise', async (t) => {
  t.same(readConfig([], {}), { host: '127.0.0.1', port: 8080, data: DEFAULTS.data, nodes: 3, writeKubeconfig: undefined, logLevel: 'info', help: false });
});

t.test('every flag has an environment variable, and a flag wins over it', async (t) => {
  const env = { KUBEMOCK_HOST: '::1', KUBEMOCK_PORT: '0', KUBEMOCK_DATA: 'memory', KUBEMOCK_NODES: '7', KUBEMOCK_WRITE_KUBECONFIG: '/tmp/k', KUBEMOCK_LOG_LEVEL: 'debug' };
  t.same(readConfig([], env), { host: '::1', port: 0, data: 'memory', nodes: 7, writeKubeconfig: '/tmp/k', logLevel: 'debug', help: false });
  const flags = readConfig(['--host', '0.0.0.0', '--port=9', '--data', 'x.json', '--nodes', '1', '--write-kubeconfig', 'kc', '--log-level', 'warn'], env);
  t.same(flags, { host: '0.0.0.0', port: 9, data: 'x.json', nodes: 1, writeKubeconfig: 'kc', logLevel: 'warn', help: false });
});

t.test('bad values and unknown flags are configuration errors', async (t) => {
  for (const argv of [['--port', '70000'], ['--port', 'x'], ['--nodes', '-1'], ['--log-level', 'loud'], ['--bogus'], ['positional']]) {
    t.throws(() => readConfig(argv, {}), ConfigError, argv.join(' '));
  }
});

t.test('--help documents every flag and its environment variable', async (t) => {
  t.equal(readConfig(['--help'], {}).help, true);
  const text = helpText();
  for (const word of ['--host', '--port', '--data', '--nodes', '--write-kubeconfig', '--log-level', '--help', 'KUBEMOCK_HOST', 'KUBEMOCK_PORT', 'KUBEMOCK_DATA', 'KUBEMOCK_NODES', 'KUBEMOCK_WRITE_KUBECONFIG', 'KUBEMOCK_LOG_LEVEL']) {
    t.match(text, word);
  }
});
