// NodeStage (kubemock.dev/v1alpha1, cluster-scoped): how the simulated kubelet reports the nodes
// it selects (label selector, node field selector): a start-up delay (and jitter) before the node
// reports Ready, a fraction of nodes that report Ready=False with the kubelet's reason and message
// (a container runtime whose network is not ready, by default), and the node status heartbeat.
// Nodes no stage selects are reported as before; the first stage by name wins.
import type { KubeObject } from '../../store/object.js';
import type { LabelSelectorObject } from '../../store/selectors.js';
import { invalidValue, type FieldError } from '../field-errors.js';
import { HOUR_MS } from './podstage.js';
import { specOf, specPart, specStatusStrategy, validateIntRange, validateNumberRange, validateStageSelectors } from './steering-common.js';

export interface NodeStageSpec {
  selector?: LabelSelectorObject;
  /** A node field selector (metadata.name=node-3, spec.unschedulable=true). */
  fieldSelector?: string;
  /** The node reports Ready only delayMs (plus up to jitterMs, fixed per node) after it was created. */
  startup?: { delayMs?: number; jitterMs?: number };
  /** This share of the selected nodes reports Ready=False with this reason and message. */
  notReady?: { fraction?: number; reason?: string; message?: string };
  /** How often the kubelet posts node status when nothing changed (default 40 s). */
  heartbeat?: { intervalMs?: number };
}

/** The node fields a stage's fieldSelector may use (the nodes resource's field selectors). */
export const NODE_STAGE_FIELDS = new Set(['metadata.name', 'spec.unschedulable']);

/** The reason the kubelet gives on a Ready=False condition (setters.ReadyCondition). */
export const KUBELET_NOT_READY = 'KubeletNotReady';
/** What a kubelet reports while its CNI plugin is missing: the default of notReady.message. */
export const NETWORK_NOT_READY_MESSAGE =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
/** What a kubelet reports right after it started, before its first runtime status check. */
export const STARTING_MESSAGE = '[container runtime status check may not have completed yet, PLEG is not healthy: pleg has yet to be successful]';

export function nodeStageSpecOf(obj: KubeObject): NodeStageSpec {
  return specOf(obj) as NodeStageSpec;
}

// metav1.Condition's reason: CamelCase, at most 1024 characters.
const REASON_RE = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

function validateNodeStage(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = validateStageSelectors(spec, NODE_STAGE_FIELDS);
  const startup = specPart(spec, 'startup', errs);
  errs.push(...validateIntRange(startup.delayMs, 'spec.startup.delayMs', 0, HOUR_MS), ...validateIntRange(startup.jitterMs, 'spec.startup.jitterMs', 0, HOUR_MS));
  const notReady = specPart(spec, 'notReady', errs);
  errs.push(...validateNumberRange(notReady.fraction, 'spec.notReady.fraction', 0, 1));
  const { reason, message } = notReady;
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 1024 || !REASON_RE.test(reason))) {
    errs.push(invalidValue('spec.notReady.reason', reason, 'a condition reason must start with a letter and contain only letters, digits, \'_\', \',\' and \':\' (at most 1024 characters)'));
  }
  if (message !== undefined && message !== null && (typeof message !== 'string' || message.length > 32_768)) {
    errs.push(invalidValue('spec.notReady.message', message, 'must be a string of at most 32768 characters'));
  }
  errs.push(...validateIntRange(specPart(spec, 'heartbeat', errs).intervalMs, 'spec.heartbeat.intervalMs', 1000, HOUR_MS));
  return errs;
}

/** NodeStage: spec only (what the kubelet does is seen on the nodes). */
export const nodeStageStrategy = specStatusStrategy({ nameRule: 'subdomain', validateSpec: validateNodeStage });
