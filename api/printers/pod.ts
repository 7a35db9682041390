// Table printing for core/v1 Pod (upstream printPod).
import type { Container, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { TableCell, TablePrinter } from '../types.js';
import type { KubeObject } from '../../store/object.js';
import { ageCell, ageColumn, asKind, column, nameColumn } from './columns.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';

/** Pod table: Name, Ready, Status, Restarts, Age, then wide IP, Node, Nominated Node, Readiness Gates. */
export const podTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Ready containers out of all containers of the pod.'),
    column('Status', 'string', 'Summary of the pod phase and its container states.'),
    column('Restarts', 'string', 'Container restarts, and how long ago the last one was.'),
    ageColumn,
    column('IP', 'string', 'Primary IP address of the pod.', 1),
    column('Node', 'string', 'Node the pod is bound to.', 1),
    column('Nominated Node', 'string', 'Node the scheduler nominated for the pod while preempting.', 1),
    column('Readiness Gates', 'string', 'Readiness gates that are true out of all gates.', 1),
  ],
  cells: podCells,
  conditions(obj) {
    switch (asKind<Pod>(obj).status?.phase) {
      case 'Succeeded':
        return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
      case 'Failed':
        return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
      default:
        return undefined;
    }
  },
};

/** The latest restart seen so far: the finishedAt of a container's last termination. */
interface LastRestart {
  ms: number;
  timestamp: string;
}

function podCells(obj: KubeObject, now: Date): TableCell[] {
  const pod = asKind<Pod>(obj);
  const spec = pod.spec;
  const status = pod.status ?? {};
  const conditions = status.conditions ?? [];
  const initContainers = spec?.initContainers ?? [];
  const initSpecs = new Map(initContainers.map((c) => [c.name, c]));

  const totalContainers = (spec?.containers ?? []).length + initContainers.filter(isRestartable).length;
  let readyContainers = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: LastRestart | undefined;
  let lastSidecarRestart: LastRestart | undefined;

  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  // Init containers run in order: stop at the first one that is neither done nor a started sidecar.
  let initializing = false;
  for (const [index, cs] of (status.initContainerStatuses ?? []).entries()) {
    const sidecar = isRestartable(initSpecs.get(cs.name));
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, cs);
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, cs);
    }

    const { terminated, waiting } = cs.state ?? {};
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else if (terminated.signal) reason = `Init:Signal:${terminated.signal}`;
      else reason = `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${index}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isInitialized(conditions)) {
    // Once initialized, only sidecar restarts still count among the init containers.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walk backwards so the first container's state decides the status.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, cs);
      const { waiting, terminated, running } = cs.state ?? {};
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (cs.ready && running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = isReady(conditions) ? 'Running' : 'NotReady';
  }

  const deleting = parseTimestamp(obj.metadata.deletionTimestamp) !== undefined;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell =
    restarts !== 0 && lastRestart ? `${restarts} (${translateTimestampSince(lastRestart.timestamp, now)} ago)` : `${restarts}`;

  return [
    obj.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    ageCell(obj, now),
    status.podIPs?.[0]?.ip || '<none>',
    spec?.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates(pod),
  ];
}

function isRestartable(container: Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function later(current: LastRestart | undefined, cs: ContainerStatus): LastRestart | undefined {
  const timestamp = cs.lastState?.terminated?.finishedAt;
  const ms = parseTimestamp(timestamp);
  if (ms === undefined || (current && current.ms >= ms)) return current;
  return { ms, timestamp: timestamp! };
}

// The first Initialized condition decides, as upstream stops at it.
function isInitialized(conditions: PodCondition[]): boolean {
  return conditions.find((c) => c.type === 'Initialized')?.status === 'True';
}

function isReady(conditions: PodCondition[]): boolean {
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const trueGates = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueGates}/${gates.length}`;
}
