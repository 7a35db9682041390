// Writes the kubeconfig that points kubectl and client libraries at a kubemock server.
// The server speaks plain HTTP, so the cluster says insecure-skip-tls-verify: kubectl and the
// Python client ignore it for http:// URLs, but @kubernetes/client-node 1.x refuses an http://
// server without it ("HTTP protocol is not allowed when skipTLSVerify is not set or false").

/** A kubeconfig (YAML) with one cluster, user and context named kubemock. */
export function kubeconfigFor(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubemock',
    '  cluster:',
    `    server: ${server}`,
    ...(server.startsWith('http:') ? ['    insecure-skip-tls-verify: true'] : []),
    'users:',
    '- name: kubemock',
    '  user: {}',
    'contexts:',
    '- name: kubemock',
    '  context:',
    '    cluster: kubemock',
    '    user: kubemock',
    '    namespace: default',
    'current-context: kubemock',
    'preferences: {}',
    '',
  ].join('\n');
}
