// Starts every controller with the server and stops them before the store closes (Fastify's
// lifecycle owns background work).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from '../api/registry.js';
import { realClock, type Clock } from './clock.js';
import { eventSinkOf } from './events.js';
import { ControllerRunner, type ControllerMetrics, type Reconciler } from './runtime.js';
import { namespaceController } from './namespace.js';
import { daemonSetController } from './daemonset/controller.js';
import { schedulerController } from './scheduler.js';
import { kubeletController } from './kubelet.js';
import { nodeLifecycleController } from './node-lifecycle.js';
import { podGcController } from './pod-gc.js';
import { garbageCollectorController } from './garbage-collector.js';
import { nodeIpamController } from './node-ipam.js';
import { isKubeletStopped, kubeletWakeOnNodeControl, nodeControlController } from './steering/node-control.js';
import { placementController } from './steering/placement.js';
import { faultRuleController } from './steering/fault-rules.js';
import { clockController } from './steering/clock.js';
import { kubeletWakeOnPodStage, stagedPodPlanner } from './steering/pod-stages.js';
import { kubeletWakeOnNodeStage, stagedNodeStatusPlanner } from './steering/node-stages.js';
import { isVirtualClock } from './virtual-clock.js';
import type { PacingMode } from './daemonset/pacing.js';

/** Cluster-wide settings some controllers read. */
export interface ControllerSettings {
  /** DaemonSet pacing when a DaemonSet has no kubemock.dev/daemonset-pacing annotation (default instant). */
  daemonSetPacing?: PacingMode;
}

export type ControllerFactory = (registry: Registry, clock: Clock, settings: ControllerSettings) => Reconciler;

/** The controllers a cluster runs, in start order. */
export const DEFAULT_CONTROLLERS: readonly ControllerFactory[] = [
  (registry) => namespaceController(registry),
  daemonSetController,
  (registry, clock) => schedulerController(registry, clock),
  (registry, clock) =>
    kubeletController(registry, clock, {
      isStopped: isKubeletStopped(registry),
      podPlanner: stagedPodPlanner(registry),
      nodeStatusPlanner: stagedNodeStatusPlanner(registry),
      wakeOn: [...kubeletWakeOnNodeControl, ...kubeletWakeOnPodStage(registry), ...kubeletWakeOnNodeStage(registry)],
    }),
  (registry, clock) => nodeLifecycleController(registry, clock),
  (registry, clock) => podGcController(registry, clock),
  garbageCollectorController,
  nodeIpamController,
  (registry) => nodeControlController(registry),
  placementController,
  faultRuleController,
  clockController,
];

/** A server plugin that runs the given controllers from onReady until preClose. */
export function controllersPlugin(options: { clock?: Clock; controllers?: readonly ControllerFactory[] } & ControllerSettings = {}) {
  return (app: FastifyInstance, registry: Registry): void => {
    const clock = options.clock ?? realClock;
    const metrics = (app as { metrics?: ControllerMetrics }).metrics;
    const runners = (options.controllers ?? DEFAULT_CONTROLLERS).map((make) => {
      const controller = { name: '' };
      const reconciler = make(loggingRegistry(registry, app.log, controller), clock, { daemonSetPacing: options.daemonSetPacing });
      controller.name = reconciler.name;
      return new ControllerRunner(reconciler, { registry, clock, log: app.log, metrics });
    });
    if (isVirtualClock(clock)) {
      // An advance waits at each instant until every other controller is idle and every write is delivered.
      for (const r of runners) if (r.name !== 'clock') clock.addIdleProbe(() => r.idle);
      clock.addIdleProbe(() => registry.store.deliveredResourceVersion >= registry.store.resourceVersion);
      // Events are written in the background: an instant is settled once they are written too.
      const events = eventSinkOf(registry);
      clock.addIdleProbe(() => events.idle);
    }
    app.addHook('onReady', async () => {
      for (const r of runners) r.start();
    });
    app.addHook('preClose', async () => {
      await Promise.all(runners.map((r) => r.stop()));
    });
  };
}

/** Kinds whose writes are routine heartbeats or bookkeeping: logged at debug, not info. */
const QUIET_KINDS = new Set(['Lease', 'Event']);

/**
 * The registry a controller writes through: the same registry, plus one log line per write
 * ("created pod", "bound pod", "deleted pod" at info; other patches and heartbeats at debug).
 * Controllers' mutators are internal (they replace what they change), so a patch does not deep-copy
 * the stored object.
 */
export function loggingRegistry(registry: Registry, log: FastifyBaseLogger, controller: { name: string }): Registry {
  const line = (quiet: boolean, fields: Record<string, unknown>, message: string) => {
    if (quiet) log.debug({ controller: controller.name, ...fields }, message);
    else log.info({ controller: controller.name, ...fields }, message);
  };
  const noun = (kind: string) => kind.toLowerCase();
  const writes: Partial<Registry> = {
    create: async (def, namespace, body, options) => {
      const created = await registry.create(def, namespace, body, options);
      if (!options?.dryRun) line(QUIET_KINDS.has(def.kind), { namespace: created.metadata.namespace, name: created.metadata.name }, `created ${noun(def.kind)}`);
      return created;
    },
    patch: async (def, namespace, name, mutate, options) => {
      let before: string | undefined;
      const patched = await registry.patch(def, namespace, name, (current) => {
        before = (current.spec as { nodeName?: string } | undefined)?.nodeName;
        return mutate(current);
      }, { internal: true, ...options });
      const nodeName = (patched.spec as { nodeName?: string } | undefined)?.nodeName;
      if (def.kind === 'Pod' && !before && nodeName) line(false, { namespace, name, node: nodeName }, 'bound pod');
      else line(true, { namespace, name, ...(options?.subresource ? { subresource: options.subresource } : {}) }, `patched ${noun(def.kind)}`);
      return patched;
    },
    delete: async (def, namespace, name, options) => {
      const result = await registry.delete(def, namespace, name, options);
      line(QUIET_KINDS.has(def.kind), { namespace, name }, result.deleted ? `deleted ${noun(def.kind)}` : `marked ${noun(def.kind)} for deletion`);
      return result;
    },
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(registry, {
    get(target, property) {
      if (Object.hasOwn(writes, property)) return writes[property as keyof Registry];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      // Methods run on the real registry, whose private state the proxy does not carry.
      if (!bound.has(property)) bound.set(property, value.bind(target));
      return bound.get(property);
    },
  });
}
