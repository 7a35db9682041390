// RecordedRequest (kubemock.dev/v1alpha1, cluster-scoped, read-only): one of the last N requests
// the API server answered, shaped like an audit.k8s.io Event (verb, requestURI, userAgent,
// objectRef, responseStatus, timestamps) plus its latency. Served from memory by the request log
// (routes/request-log.ts): never stored, never in the data file, gone on restart.
import type { KubeObject } from '../../store/object.js';
import { readOnlyStrategy } from './steering-common.js';

export type RecordedStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete';

export interface RecordedRequestFields {
  stage: RecordedStage;
  /** The API verb (get, list, watch, create, ...) or, off the resource paths, the lowercase HTTP method. */
  verb: string;
  requestURI: string;
  userAgent: string;
  sourceIPs?: string[];
  objectRef?: { resource: string; namespace?: string; name?: string; apiGroup: string; apiVersion: string; subresource?: string };
  responseStatus?: { code: number };
  /** Milliseconds from receipt to the end of the response (so far, for a watch still open). */
  latencyMs?: number;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** A stored-looking view of the fields. */
export function recordedOf(obj: KubeObject): Partial<RecordedRequestFields> {
  return obj as unknown as Partial<RecordedRequestFields>;
}

/** Only the request log writes these: the table row offers get and list alone. */
export const recordedRequestStrategy = readOnlyStrategy('path-segment');
