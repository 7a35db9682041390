// Starts every controller with the server and stops them before the store closes (Fastify's
// lifecycle owns background work).
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../api/registry.js';
import { realClock, type Clock } from './clock.js';
import { ControllerRunner, type Reconciler } from './runtime.js';
import { namespaceController } from './namespace.js';
import { daemonSetController } from './daemonset/controller.js';
import { schedulerController } from './scheduler.js';
import { kubeletController } from './kubelet.js';
import { nodeLifecycleController } from './node-lifecycle.js';
import { podGcController } from './pod-gc.js';
import { garbageCollectorController } from './garbage-collector.js';

export type ControllerFactory = (registry: Registry, clock: Clock) => Reconciler;

/** The controllers a cluster runs, in start order. */
export const DEFAULT_CONTROLLERS: readonly ControllerFactory[] = [
  (registry) => namespaceController(registry),
  daemonSetController,
  (registry, clock) => schedulerController(registry, clock),
  (registry, clock) => kubeletController(registry, clock),
  (registry, clock) => nodeLifecycleController(registry, clock),
  (registry, clock) => podGcController(registry, clock),
  garbageCollectorController,
];

/** A server plugin that runs the given controllers from onReady until preClose. */
export function controllersPlugin(options: { clock?: Clock; controllers?: readonly ControllerFactory[] } = {}) {
  return (app: FastifyInstance, registry: Registry): void => {
    const clock = options.clock ?? realClock;
    const runners = (options.controllers ?? DEFAULT_CONTROLLERS).map((make) => new ControllerRunner(make(registry, clock), { registry, clock, log: app.log }));
    app.addHook('onReady', async () => {
      for (const r of runners) r.start();
    });
    app.addHook('preClose', async () => {
      await Promise.all(runners.map((r) => r.stop()));
    });
  };
}
