// Writes the kubeconfig that points kubectl and client libraries at a kubemock server.

/** A kubeconfig (YAML) with one cluster, user and context named kubemock. */
export function kubeconfigFor(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubemock',
    '  cluster:',
    `    server: ${server}`,
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
