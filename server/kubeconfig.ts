// Writes the kubeconfig that points kubectl and client libraries at a kubemock server.
// Over HTTPS the cluster carries the CA (certificate-authority-data), so clients verify the server.
// Over plain HTTP it says insecure-skip-tls-verify: kubectl and the Python client ignore it for
// http:// URLs, but @kubernetes/client-node 1.x refuses an http:// server without it ("HTTP
// protocol is not allowed when skipTLSVerify is not set or false").

export interface KubeconfigOptions {
  /** The CA certificate (PEM) that signed the server's certificate; embedded for https:// servers. */
  ca?: string;
  /** A bearer token for the user entry. */
  token?: string;
}

/** A kubeconfig (YAML) with one cluster, user and context named kubemock. */
export function kubeconfigFor(server: string, options: KubeconfigOptions = {}): string {
  const cluster = [`    server: ${server}`];
  if (server.startsWith('http:')) cluster.push('    insecure-skip-tls-verify: true');
  else if (options.ca) cluster.push(`    certificate-authority-data: ${Buffer.from(options.ca).toString('base64')}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubemock',
    '  cluster:',
    ...cluster,
    'users:',
    '- name: kubemock',
    // A JSON string is a valid YAML double-quoted scalar, whatever the token holds.
    ...(options.token !== undefined ? ['  user:', `    token: ${JSON.stringify(options.token)}`] : ['  user: {}']),
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
