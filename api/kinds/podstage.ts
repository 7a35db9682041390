// PodStage (kubemock.dev/v1alpha1, cluster-scoped): how the simulated kubelet runs the pods it
// selects (label selector, pod field selector, namespaces): start-up delay and jitter, a readiness
// delay, a fraction of pods whose containers exit (Failed with restartPolicy Never, else
// CrashLoopBackOff with restarts counting up), a fraction whose image pulls fail (ErrImagePull,
// then ImagePullBackOff), and how long containers take to exit after SIGTERM (the kubelet kills
// them when the grace period ends). Pods no stage selects run as before; the first stage by name wins.
import type { KubeObject } from '../../store/object.js';
import { invalidValue, type FieldError } from '../field-errors.js';
import { specOf, specPart, specStatusStrategy, validateIntRange, validateNumberRange, validateStageSelectors, validateStringList } from './steering-common.js';

export interface PodStageSpec {
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  /** A pod field selector (spec.nodeName=node-1, status.phase!=Failed …). */
  fieldSelector?: string;
  namespaces?: string[];
  startup?: { delayMs?: number; jitterMs?: number };
  readiness?: { delayMs?: number };
  failure?: { fraction?: number; afterMs?: number; exitCode?: number };
  imagePull?: { fraction?: number };
  /** How containers answer SIGTERM: exit after exitDelayMs (default 1000), or never (killed at the grace period's end). */
  termination?: { exitDelayMs?: number; ignoreSigterm?: boolean };
}

/** The pod fields a stage's fieldSelector may use (the pods resource's field selectors). */
export const POD_STAGE_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName']);

export function podStageSpecOf(obj: KubeObject): PodStageSpec {
  return specOf(obj) as PodStageSpec;
}

export const HOUR_MS = 3_600_000;

function validatePodStage(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = validateStageSelectors(spec, POD_STAGE_FIELDS);
  errs.push(...validateStringList(spec.namespaces, 'spec.namespaces'));
  const part = (name: string): Record<string, unknown> => specPart(spec, name, errs);
  const startup = part('startup');
  errs.push(...validateIntRange(startup.delayMs, 'spec.startup.delayMs', 0, HOUR_MS), ...validateIntRange(startup.jitterMs, 'spec.startup.jitterMs', 0, HOUR_MS));
  errs.push(...validateIntRange(part('readiness').delayMs, 'spec.readiness.delayMs', 0, HOUR_MS));
  const failure = part('failure');
  errs.push(...validateNumberRange(failure.fraction, 'spec.failure.fraction', 0, 1), ...validateIntRange(failure.afterMs, 'spec.failure.afterMs', 0, HOUR_MS), ...validateIntRange(failure.exitCode, 'spec.failure.exitCode', 1, 255));
  errs.push(...validateNumberRange(part('imagePull').fraction, 'spec.imagePull.fraction', 0, 1));
  const termination = part('termination');
  errs.push(...validateIntRange(termination.exitDelayMs, 'spec.termination.exitDelayMs', 0, HOUR_MS));
  const ignore = termination.ignoreSigterm;
  if (ignore !== undefined && ignore !== null && typeof ignore !== 'boolean') errs.push(invalidValue('spec.termination.ignoreSigterm', ignore, 'must be a boolean'));
  else if (ignore === true && termination.exitDelayMs !== undefined && termination.exitDelayMs !== null) {
    errs.push(invalidValue('spec.termination.exitDelayMs', termination.exitDelayMs, 'may not be set when ignoreSigterm is true'));
  }
  return errs;
}

/** PodStage: spec only (what the kubelet does is seen on the pods). */
export const podStageStrategy = specStatusStrategy({ nameRule: 'subdomain', validateSpec: validatePodStage });
