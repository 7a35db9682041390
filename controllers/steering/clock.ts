// The clock controller: keeps the kubemock.dev Clock `cluster`. Under a virtual clock it creates
// the object at start, advances the clock to spec.time whenever that lies ahead (instant by
// instant, the cluster settling in between) and reports status.time with a Settled condition that
// `kubectl wait clock/cluster --for=condition=Settled` waits for. Under the real clock it only
// reports that time cannot be moved.
import { refOf, type Registry } from '../../api/registry.js';
import { clocks } from '../../api/steering-resources.js';
import { CLOCK_NAME, clockSpecOf, clockTimestamp, type ClockStatus } from '../../api/kinds/clock.js';
import { STEERING_API_VERSION, statusOf } from '../../api/kinds/steering-common.js';
import type { KubeObject } from '../../store/object.js';
import { StatusError } from '../../store/status-error.js';
import type { Clock } from '../clock.js';
import { writeStatusIfChanged } from '../status-writer.js';
import type { Reconciler } from '../runtime.js';
import { isVirtualClock } from '../virtual-clock.js';

const CLOCKS = refOf(clocks);

/** Pure: the status of a Clock object at now. */
export function planClockStatus(obj: KubeObject, mode: 'Virtual' | 'Real', now: Date): ClockStatus {
  const generation = obj.metadata.generation ?? 1;
  const target = Date.parse(clockSpecOf(obj).time ?? '');
  const old = (statusOf(obj) as ClockStatus).conditions?.find((c) => c.type === 'Settled');
  let condition: { status: string; reason: string; message: string };
  if (mode === 'Real') {
    condition = Number.isNaN(target)
      ? { status: 'True', reason: 'RealClock', message: 'The cluster runs on real time.' }
      : { status: 'False', reason: 'RealClock', message: 'The cluster runs on real time: spec.time is ignored (start kubemock with --clock virtual to move time).' };
  } else if (!Number.isNaN(target) && target > now.getTime()) {
    condition = { status: 'False', reason: 'Advancing', message: `Advancing to ${clockSpecOf(obj).time}.` };
  } else {
    condition = { status: 'True', reason: 'TargetReached', message: 'Time stands still until spec.time moves ahead.' };
  }
  const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : clockTimestamp(now);
  return {
    mode,
    ...(mode === 'Virtual' ? { time: clockTimestamp(now) } : {}),
    observedGeneration: generation,
    conditions: [{ type: 'Settled', ...condition, lastTransitionTime, observedGeneration: generation }],
  };
}

/** Reconciles the Clock (key = its name). */
export function clockController(registry: Registry, clock: Clock): Reconciler {
  const mode = isVirtualClock(clock) ? 'Virtual' : 'Real';
  return {
    name: 'clock',
    watches: [{ def: clocks, keys: (obj) => [obj.metadata.name!] }],
    initialKeys: () => [CLOCK_NAME],
    async reconcile(name) {
      const obj = registry.store.get(CLOCKS, undefined, name);
      if (!obj) {
        if (mode === 'Virtual' && name === CLOCK_NAME) {
          await registry.create(clocks, undefined, { apiVersion: STEERING_API_VERSION, kind: 'Clock', metadata: { name }, spec: {} }).catch((err: unknown) => {
            if (!(err instanceof StatusError && err.code === 409)) throw err;
          });
        }
        return;
      }
      if (isVirtualClock(clock)) {
        const target = Date.parse(clockSpecOf(obj).time ?? '');
        if (!Number.isNaN(target) && target > clock.now().getTime()) await clock.advanceTo(target);
      }
      const latest = registry.store.get(CLOCKS, undefined, name);
      if (!latest) return;
      return writeStatusIfChanged(registry, clocks, latest, planClockStatus(latest, mode, clock.now()));
    },
  };
}
