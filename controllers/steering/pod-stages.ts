// Pod stages: the kubelet's pod planner wrapped by the kubemock.dev PodStage that selects a pod.
// Which pods of a stage fail, and each pod's jitter, are decided by a hash of (stage, pod uid), so
// a pod's fate never changes between syncs or restarts. Everything is a pure function of the pod's
// status, the stage and now: start-up delay and jitter, a readiness delay, containers that exit
// (Failed under restartPolicy Never, else CrashLoopBackOff with back-off 10 s, 20 s, … 5 min),
// image pulls that fail (ErrImagePull, then ImagePullBackOff until the next attempt), and containers
// slow to exit on SIGTERM (or ignoring it, so the kubelet kills them when the grace period ends).
import { createHash } from 'node:crypto';
import type { Container, ContainerStatus, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { refOf, type Registry } from '../../api/registry.js';
import { nodes, pods } from '../../api/resources.js';
import { podStages } from '../../api/steering-resources.js';
import { podStageSpecOf, type PodStageSpec } from '../../api/kinds/podstage.js';
import { jsonEqual, type KubeObject } from '../../store/object.js';
import { labelSelectorFromObject, type LabelSelectorObject, type LabelSelectorPredicate } from '../../store/selectors.js';
import { memoized } from '../memo.js';
import { formatTimestamp } from '../../store/store.js';
import { fieldPath, normalizeImage, planPod, podConditions, runningStatus, startEvents, type KubeletEvent, type PodPlan, type PodRuntimeContext } from '../kubelet.js';
import type { Reconciler } from '../runtime.js';
import { isPodTerminal } from '../scheduler.js';

const STAGES = refOf(podStages);

/** What a stage does to one pod (already decided for that pod: fractions and jitter resolved). */
export interface PodStageBehavior {
  stage: string;
  startupDelayMs?: number;
  readinessDelayMs?: number;
  failure?: { afterMs: number; exitCode: number };
  imagePullFails?: boolean;
  /** How long containers take to exit after SIGTERM (Infinity: they ignore it). */
  stopDelayMs?: number;
}

/** A number in [0, 1) fixed by the stage, the pod and what it is for. */
export function stableFraction(stage: string, uid: string, purpose: string): number {
  return createHash('sha256').update(`${stage}\u0000${uid}\u0000${purpose}`).digest().readUInt32BE(0) / 2 ** 32;
}

// The two uses of stableFraction skip the hash where its value cannot matter (no jitter, every
// object selected): a stage with neither is planned for every pod of a fan-out on each sync.

/** Whether the object is among the stage's `fraction` of objects (all of them at 1 or more). */
export function inStableFraction(stage: string, uid: string, purpose: string, fraction: number): boolean {
  return fraction >= 1 || stableFraction(stage, uid, purpose) < fraction;
}

/** The object's jitter in [0, jitterMs), fixed by the stage and the object. */
export function stableJitterMs(stage: string, uid: string, jitterMs: number | undefined): number {
  return jitterMs ? Math.floor(stableFraction(stage, uid, 'jitter') * jitterMs) : 0;
}

/** Pure: the behaviour of a stage for a pod, with its fractions and jitter decided. */
export function behaviorFor(stageName: string, spec: PodStageSpec, uid: string, defaultStartupMs: number): PodStageBehavior {
  const b: PodStageBehavior = { stage: stageName };
  if (spec.startup) b.startupDelayMs = (spec.startup.delayMs ?? defaultStartupMs) + stableJitterMs(stageName, uid, spec.startup.jitterMs);
  if (spec.readiness?.delayMs) b.readinessDelayMs = spec.readiness.delayMs;
  if (spec.failure && inStableFraction(stageName, uid, 'failure', spec.failure.fraction ?? 1)) b.failure = { afterMs: spec.failure.afterMs ?? 1000, exitCode: spec.failure.exitCode ?? 1 };
  if (spec.imagePull && inStableFraction(stageName, uid, 'imagePull', spec.imagePull.fraction ?? 1)) b.imagePullFails = true;
  if (spec.termination?.ignoreSigterm) b.stopDelayMs = Infinity;
  else if (spec.termination?.exitDelayMs !== undefined) b.stopDelayMs = spec.termination.exitDelayMs;
  return b;
}

/** Whether an object's fields match a field selector (the registry's, for the object's resource). */
export type PodFieldMatcher = (fieldSelector: string, obj: KubeObject) => boolean;

/** Whether a stage's label selector and field selector both match obj (an empty stage selects all). */
export function selectorsMatch(spec: { selector?: LabelSelectorObject; fieldSelector?: string }, obj: KubeObject, fieldsMatch: PodFieldMatcher): boolean {
  const labels = spec.selector ? parsedStageSelector(spec.selector) : EVERYTHING;
  if (!labels || (!labels.empty && !labels.matches(obj.metadata.labels))) return false;
  try {
    return !spec.fieldSelector || fieldsMatch(spec.fieldSelector, obj);
  } catch {
    return false; // a selector the validation let through but the parser refuses selects nothing
  }
}

const EVERYTHING = labelSelectorFromObject({});

/** A stage's label selector parsed once per stored version; undefined when the parser refuses it (it selects nothing). */
const parsedStageSelector = memoized((selector: LabelSelectorObject): LabelSelectorPredicate | undefined => {
  try {
    return labelSelectorFromObject(selector);
  } catch {
    return undefined;
  }
});

/** Whether a stage selects a pod: namespaces, label selector and pod field selector all match. */
export function stageSelects(spec: PodStageSpec, pod: KubeObject, fieldsMatch: PodFieldMatcher): boolean {
  if (spec.namespaces?.length && !spec.namespaces.includes(pod.metadata.namespace ?? '')) return false;
  return selectorsMatch(spec, pod, fieldsMatch);
}

/** The first stage by name that selects (stages as listed from the store, in any order). */
export function firstStageByName(stages: readonly KubeObject[], selects: (stage: KubeObject) => boolean): KubeObject | undefined {
  return [...stages].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)).find(selects);
}

// ---- image pulls that fail -------------------------------------------------------------------

const PULL_BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
/** How long a failed pull shows ErrImagePull before the back-off (ImagePullBackOff) shows. */
const ERR_IMAGE_PULL_MS = 1000;

/** The latest pull attempt at or before now and the next one, attempts starting at first. */
export function pullAttempts(first: number, now: number): { latest: number; next: number; index: number } {
  let latest = first;
  let index = 0;
  for (;;) {
    const next = latest + Math.min(PULL_BACKOFF_START_MS * 2 ** index, BACKOFF_MAX_MS);
    if (next > now) return { latest, next, index };
    latest = next;
    index++;
  }
}

function notFoundMessage(image: string): string {
  const ref = normalizeImage(image);
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

function planFailedPull(pod: Pod, ctx: PodRuntimeContext, firstAttempt: number): PodPlan {
  const status = (pod.status ?? {}) as PodStatus;
  const now = ctx.now.getTime();
  const { latest, next: nextAttempt } = pullAttempts(firstAttempt, now);
  const backOff = now >= latest + ERR_IMAGE_PULL_MS;
  const reason = backOff ? 'ImagePullBackOff' : 'ErrImagePull';
  const containers = pod.spec?.containers ?? [];
  const events: KubeletEvent[] = [];
  const containerStatuses: ContainerStatus[] = containers.map((c) => {
    const old = (status.containerStatuses ?? []).find((s) => s.name === c.name);
    const was = old?.state?.waiting?.reason;
    const path = fieldPath('containers', c.name);
    const image = JSON.stringify(c.image ?? '');
    if (!backOff && was !== 'ErrImagePull') {
      events.push(
        { type: 'Normal', reason: 'Pulling', message: `Pulling image ${image}`, fieldPath: path },
        { type: 'Warning', reason: 'Failed', message: `Failed to pull image ${image}: ${notFoundMessage(c.image ?? '')}`, fieldPath: path },
        { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', fieldPath: path },
      );
    }
    if (backOff && was !== 'ImagePullBackOff') {
      events.push(
        { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image ${image}`, fieldPath: path },
        { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', fieldPath: path },
      );
    }
    const message = backOff ? `Back-off pulling image ${image}: ErrImagePull: ${notFoundMessage(c.image ?? '')}` : notFoundMessage(c.image ?? '');
    return { name: c.name, image: c.image ?? '', imageID: '', lastState: {}, ready: false, restartCount: 0, started: false, state: { waiting: { reason, message } } };
  });
  const podIP = status.podIP ?? (pod.spec?.hostNetwork ? undefined : ctx.allocatePodIP());
  const next: PodStatus = {
    ...status,
    phase: 'Pending',
    conditions: podConditions(pod, { sandboxReady: true, initialized: true, containersReady: false }, ctx.now) as PodStatus['conditions'],
    ...(podIP ? { podIP, podIPs: status.podIPs ?? [{ ip: podIP }] } : {}),
    containerStatuses,
  };
  const wake = (backOff ? nextAttempt : latest + ERR_IMAGE_PULL_MS) - now;
  return { ...(jsonEqual(next, status) ? {} : { status: next }), events, requeueAfterMs: Math.max(1, wake) };
}

// ---- containers that exit --------------------------------------------------------------------

/** The CrashLoopBackOff delay after the restartCount-th exit: 10 s, 20 s, 40 s, … 5 min. */
export function crashBackOffMs(restartCount: number): number {
  return Math.min(PULL_BACKOFF_START_MS * 2 ** Math.max(0, restartCount - 1), BACKOFF_MAX_MS);
}

function planCrashes(pod: Pod, ctx: PodRuntimeContext, failure: { afterMs: number; exitCode: number }): PodPlan {
  const status = (pod.status ?? {}) as PodStatus;
  const now = ctx.now.getTime();
  const nowText = formatTimestamp(ctx.now);
  const restarts = (pod.spec?.restartPolicy ?? 'Always') !== 'Never';
  const podRef = `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
  const events: KubeletEvent[] = [];
  let wake = Infinity;
  const containers = pod.spec?.containers ?? [];
  const statuses = containers.map((c: Container): ContainerStatus => {
    const old = (status.containerStatuses ?? []).find((s) => s.name === c.name);
    const path = fieldPath('containers', c.name);
    if (!old) return runningStatus(c, `containerd://${ctx.newContainerID()}`, nowText);
    if (old.state?.running) {
      const startedAt = Date.parse(old.state.running.startedAt ?? '') || now;
      const exitAt = startedAt + failure.afterMs;
      if (now < exitAt) {
        wake = Math.min(wake, exitAt - now);
        return old;
      }
      const terminated = { containerID: old.containerID, exitCode: failure.exitCode, reason: 'Error', startedAt: old.state.running.startedAt, finishedAt: nowText };
      if (!restarts) return { ...old, ready: false, started: false, state: { terminated } };
      const restartCount = old.restartCount + 1;
      const delay = crashBackOffMs(restartCount);
      events.push({ type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${podRef}`, fieldPath: path });
      wake = Math.min(wake, delay);
      return {
        ...old,
        ready: false,
        started: false,
        restartCount,
        lastState: { terminated },
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay / 1000}s restarting failed container=${c.name} pod=${podRef}` } },
      };
    }
    if (old.state?.waiting?.reason === 'CrashLoopBackOff') {
      const finished = Date.parse(old.lastState?.terminated?.finishedAt ?? '') || now;
      const restartAt = finished + crashBackOffMs(old.restartCount);
      if (now < restartAt) {
        wake = Math.min(wake, restartAt - now);
        return old;
      }
      events.push(...startEvents(c, 'containers', undefined));
      wake = Math.min(wake, failure.afterMs);
      return runningStatus(c, `containerd://${ctx.newContainerID()}`, nowText, old.restartCount, old.lastState);
    }
    return old; // terminated under restartPolicy Never
  });
  const allTerminated = statuses.every((s) => s.state?.terminated);
  const ready = statuses.every((s) => s.ready);
  const next: PodStatus = {
    ...status,
    ...(allTerminated && !restarts ? { phase: 'Failed' } : {}),
    conditions: podConditions(pod, { sandboxReady: !(allTerminated && !restarts), initialized: true, containersReady: ready }, ctx.now) as PodStatus['conditions'],
    containerStatuses: statuses,
  };
  return { ...(jsonEqual(next, status) ? {} : { status: next }), events, ...(wake !== Infinity ? { requeueAfterMs: Math.max(1, wake) } : {}) };
}

// ---- readiness delay -------------------------------------------------------------------------

function withReadinessDelay(pod: Pod, plan: PodPlan, ctx: PodRuntimeContext, delayMs: number): PodPlan {
  const stored = (pod.status ?? {}) as PodStatus;
  const status = plan.status ?? stored;
  if (status.phase !== 'Running' || !status.containerStatuses?.length) return plan;
  const now = ctx.now.getTime();
  let wake = Infinity;
  const containerStatuses = status.containerStatuses.map((s) => {
    if (!s.state?.running) return s;
    const readyAt = (Date.parse(s.state.running.startedAt ?? '') || now) + delayMs;
    if (now >= readyAt) return { ...s, ready: true };
    wake = Math.min(wake, readyAt - now);
    return { ...s, ready: false };
  });
  const ready = containerStatuses.every((s) => s.ready);
  const next: PodStatus = { ...status, conditions: podConditions({ ...pod, status } as Pod, { sandboxReady: true, initialized: true, containersReady: ready }, ctx.now) as PodStatus['conditions'], containerStatuses };
  const requeue = Math.min(plan.requeueAfterMs ?? Infinity, wake);
  return { ...plan, status: jsonEqual(next, stored) ? undefined : next, ...(requeue !== Infinity ? { requeueAfterMs: requeue } : {}) };
}

/** Pure: the kubelet's plan for a pod under a stage's behaviour (planPod where the stage changes nothing). */
export function planStagedPod(pod: Pod, ctx: PodRuntimeContext, b: PodStageBehavior | undefined): PodPlan {
  if (!b) return planPod(pod, ctx);
  const runtime = { ...ctx, ...(b.startupDelayMs !== undefined ? { startupDelayMs: b.startupDelayMs } : {}), ...(b.stopDelayMs !== undefined ? { stopDelayMs: b.stopDelayMs } : {}) };
  if (pod.metadata?.deletionTimestamp || isPodTerminal(pod)) return planPod(pod, runtime);
  const status = (pod.status ?? {}) as PodStatus;
  const phase = status.phase ?? 'Pending';
  if (b.imagePullFails && phase === 'Pending' && status.startTime && status.containerStatuses && !(pod.spec?.initContainers ?? []).length) {
    const firstAttempt = (runtime.creatingSince ?? Date.parse(status.startTime)) + runtime.startupDelayMs;
    if (ctx.now.getTime() < firstAttempt) return { events: [], requeueAfterMs: firstAttempt - ctx.now.getTime() };
    return planFailedPull(pod, runtime, firstAttempt);
  }
  const plan = phase === 'Running' && b.failure ? planCrashes(pod, runtime, b.failure) : planPod(pod, runtime);
  return b.readinessDelayMs ? withReadinessDelay(pod, plan, runtime, b.readinessDelayMs) : plan;
}

/** The kubelet's podPlanner: finds the pod's stage (first by name) and plans under it. */
export function stagedPodPlanner(registry: Registry, defaultStartupMs = 500): (pod: Pod, ctx: PodRuntimeContext) => PodPlan {
  const fieldsMatch: PodFieldMatcher = (fieldSelector, pod) => registry.selector(pods, undefined, fieldSelector).matches(pod);
  return (pod: Pod, ctx: PodRuntimeContext): PodPlan => {
    const stages = registry.store.list(STAGES);
    if (stages.length === 0) return planPod(pod, ctx);
    const obj = pod as unknown as KubeObject;
    const stage = firstStageByName(stages, (s) => stageSelects(podStageSpecOf(s), obj, fieldsMatch));
    return planStagedPod(pod, ctx, stage && behaviorFor(stage.metadata.name!, podStageSpecOf(stage), pod.metadata?.uid ?? '', defaultStartupMs));
  };
}

/** Wakes every node's kubelet when a stage changes (KubeletOptions.wakeOn). */
export function kubeletWakeOnPodStage(registry: Registry): Reconciler['watches'] {
  return [{ def: podStages, keys: () => registry.store.list(refOf(nodes)).map((n) => n.metadata.name!) }];
}
