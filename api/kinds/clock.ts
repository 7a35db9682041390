// Clock (kubemock.dev/v1alpha1, cluster-scoped singleton named `cluster`): the cluster's time. With
// a virtual clock (`--clock virtual`) time stands still until spec.time moves ahead; the clock
// controller then advances the server's and the controllers' clock to it, instant by instant, and
// reports status.time and a Settled condition. spec.advanceSeconds is a write-only convenience:
// the strategy turns it into spec.time = max(spec.time, now) + advanceSeconds when it is written.
import type { KubeObject } from '../../store/object.js';
import { invalidValue, type FieldError } from '../field-errors.js';
import { specOf, specStatusStrategy, validateIntRange, validateTimestamp } from './steering-common.js';

/** The one Clock object's name. */
export const CLOCK_NAME = 'cluster';

export interface ClockSpec {
  time?: string;
  advanceSeconds?: number;
}

export interface ClockStatus {
  mode?: 'Virtual' | 'Real';
  time?: string;
  observedGeneration?: number;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number }>;
}

export function clockSpecOf(obj: KubeObject): ClockSpec {
  return specOf(obj) as ClockSpec;
}

function validateClock(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.metadata.name !== CLOCK_NAME) errs.push(invalidValue('metadata.name', obj.metadata.name ?? '', `the clock is a singleton: must be "${CLOCK_NAME}"`));
  const spec = specOf(obj);
  errs.push(...validateTimestamp(spec.time, 'spec.time'));
  return errs;
}

/** RFC 3339 with milliseconds only when there are any: a virtual clock can stand between seconds. */
export function clockTimestamp(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** Turns a valid spec.advanceSeconds into spec.time; an invalid one stays for validation to refuse. Mutates obj. */
function admitAdvance(obj: KubeObject, old: KubeObject | undefined, now: Date): void {
  const spec = specOf(obj);
  const seconds = spec.advanceSeconds;
  if (seconds === undefined || seconds === null) return;
  if (validateAdvance(seconds).length) return;
  delete spec.advanceSeconds;
  const from = Math.max(now.getTime(), Date.parse(String((old && specOf(old).time) ?? '')) || 0, Date.parse(String(spec.time ?? '')) || 0);
  spec.time = clockTimestamp(new Date(from + (seconds as number) * 1000));
}

function validateAdvance(seconds: unknown): FieldError[] {
  return validateIntRange(seconds, 'spec.advanceSeconds', 1, 366 * 86_400);
}

/** The Clock strategy: a singleton; advanceSeconds becomes spec.time. */
export const clockStrategy = specStatusStrategy({
  nameRule: 'subdomain',
  admit: admitAdvance,
  validateSpec(obj) {
    return [...validateClock(obj), ...validateAdvance(specOf(obj).advanceSeconds)];
  },
});
