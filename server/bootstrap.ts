// What a fresh cluster has: the four system namespaces (always ensured) and, on a fresh data
// file, n Ready nodes. Everything is created through the registry like any client write.
import type { Registry } from '../api/registry.js';
import { namespaces, nodes } from '../api/resources.js';
import type { KubeObject } from '../store/object.js';
import { StatusError } from '../store/status-error.js';
import { formatTimestamp } from '../store/store.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** The kubelet version nodes report (matches the served API version). */
export const KUBELET_VERSION = 'v1.31.0';

/** The conditions of a healthy node at `now` (Ready, no pressure), as the kubelet reports them. */
export function readyNodeConditions(now: string): Array<Record<string, string>> {
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** A node as a kubelet would register it: labels, podCIDR, capacity, addresses, conditions and nodeInfo. */
export function buildNode(name: string, index: number, now: string = formatTimestamp(new Date())): KubeObject {
  const third = Math.floor(index / 250) % 250;
  const fourth = (index % 250) + 2;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kubemock.dev/simulated': 'true' },
    },
    spec: { podCIDR: podCidr(index), podCIDRs: [podCidr(index)] },
    status: {
      capacity: { cpu: '4', 'ephemeral-storage': '102400Mi', 'hugepages-2Mi': '0', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '4', 'ephemeral-storage': '102400Mi', 'hugepages-2Mi': '0', memory: '16Gi', pods: '110' },
      conditions: readyNodeConditions(now),
      addresses: [
        { type: 'InternalIP', address: `10.0.${third}.${fourth}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'containerd://1.7.18',
        kernelVersion: '6.1.0-kubemock',
        kubeProxyVersion: KUBELET_VERSION,
        kubeletVersion: KUBELET_VERSION,
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'kubemock simulated node',
        systemUUID: '',
      },
    },
  };
}

/** The podCIDR of the n-th node: a distinct /24 for each of the first 49,152 nodes. */
export function podCidr(index: number): string {
  return `10.${64 + (Math.floor(index / 256) % 192)}.${index % 256}.0/24`;
}

async function ignoreAlreadyExists(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!(err instanceof StatusError) || err.reason !== 'AlreadyExists') throw err;
  }
}

/** Creates the system namespaces that are missing, and on a fresh store `nodeCount` nodes. */
export async function bootstrapCluster(registry: Registry, options: { fresh: boolean; nodeCount: number; now: Date }): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    if (!registry.store.get({ group: '', resource: 'namespaces' }, undefined, name)) {
      await ignoreAlreadyExists(registry.create(namespaces, undefined, { metadata: { name } }));
    }
  }
  if (!options.fresh) return;
  for (let i = 1; i <= options.nodeCount; i++) {
    const node = buildNode(`node-${i}`, i - 1, formatTimestamp(options.now));
    const status = node.status;
    await ignoreAlreadyExists(registry.create(nodes, undefined, node));
    // Node status is the kubelet's to write: set it through the status subresource.
    await registry.patch(nodes, undefined, `node-${i}`, (current) => ({ ...current, status }), { subresource: 'status' });
  }
}
