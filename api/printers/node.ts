// Table printing for core/v1 Node (upstream printNode).
import type { Node } from 'kubernetes-types/core/v1.js';
import type { TablePrinter } from '../types.js';
import { ageCell, ageColumn, asKind, column, nameColumn } from './columns.js';

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

/** Node table: Name, Status, Roles, Age, Version, then wide Internal-IP, External-IP, OS-Image, Kernel-Version, Container-Runtime. */
export const nodeTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'string', 'Readiness of the node, and whether scheduling is disabled.'),
    column('Roles', 'string', 'Roles of the node, taken from its role labels.'),
    ageColumn,
    column('Version', 'string', 'Kubelet version reported by the node.'),
    column('Internal-IP', 'string', 'First internal address of the node.', 1),
    column('External-IP', 'string', 'First external address of the node.', 1),
    column('OS-Image', 'string', 'Operating system image reported by the node.', 1),
    column('Kernel-Version', 'string', 'Kernel version reported by the node.', 1),
    column('Container-Runtime', 'string', 'Container runtime and version reported by the node.', 1),
  ],
  cells(obj, now) {
    const node = asKind<Node>(obj);
    const info = node.status?.nodeInfo;
    return [
      obj.metadata.name ?? '',
      nodeStatus(node),
      nodeRoles(obj.metadata.labels ?? {}),
      ageCell(obj, now),
      info?.kubeletVersion ?? '',
      firstAddress(node, 'InternalIP'),
      firstAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};

function nodeStatus(node: Node): string {
  // The last Ready condition wins, as upstream indexes conditions by type.
  const ready = (node.status?.conditions ?? []).findLast((c) => c.type === 'Ready');
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeRoles(labels: Record<string, string>): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function firstAddress(node: Node, type: string): string {
  const found = (node.status?.addresses ?? []).find((a) => a.type === type);
  return found ? (found.address ?? '') : '<none>';
}
