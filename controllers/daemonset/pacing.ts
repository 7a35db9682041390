// DaemonSet pacing: how fast the DaemonSet controller creates pods.
// * instant (default): every needed pod in one sync (no burstReplicas cap), in slow-start batches (1, 2, 4, …).
// * realistic: as kube-controller-manager does — at most burstReplicas (250) creates per sync, in
//   slow-start batches, every create waiting for the controller's client rate limiter (20 QPS,
//   burst 30), and a new sync only once the controller has observed its own creates.
// * fixed: one create at a time at a fixed rate (kubemock.dev/daemonset-pacing-qps, default 10/s).
// Per DaemonSet by annotation, or for the cluster by the controller option. Waits come back as
// requeueAfter (the controller never sleeps), so a virtual clock paces creates too.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { PodCreation } from './planner.js';

export type PacingMode = 'instant' | 'realistic' | 'fixed';
export const PACING_MODES: readonly PacingMode[] = ['instant', 'realistic', 'fixed'];

/** Per DaemonSet: instant, realistic or fixed. */
export const PACING_ANNOTATION = 'kubemock.dev/daemonset-pacing';
/** With fixed pacing: creates per second (default 10). */
export const PACING_QPS_ANNOTATION = 'kubemock.dev/daemonset-pacing-qps';

/** kube-controller-manager's defaults: --kube-api-qps, --kube-api-burst, and the DaemonSet controller's BurstReplicas. */
export const REALISTIC = { qps: 20, burst: 30, burstReplicas: 250 } as const;
const DEFAULT_FIXED_QPS = 10;

export interface Pacing {
  mode: PacingMode;
  /** fixed: creates per second. */
  qps?: number;
}

/** The pacing of a DaemonSet: its annotation, else the cluster's default. */
export function pacingOf(ds: DaemonSet, clusterDefault: PacingMode = 'instant'): Pacing {
  const annotations = ds.metadata?.annotations ?? {};
  const asked = annotations[PACING_ANNOTATION];
  const mode = (PACING_MODES as readonly string[]).includes(asked ?? '') ? (asked as PacingMode) : clusterDefault;
  if (mode !== 'fixed') return { mode };
  const qps = Number(annotations[PACING_QPS_ANNOTATION]);
  return { mode, qps: Number.isFinite(qps) && qps > 0 ? qps : DEFAULT_FIXED_QPS };
}

/** upstream slowStartBatch: batch sizes 1, 2, 4, … for count operations, the last one cut to what remains. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const sizes: number[] = [];
  for (let remaining = count, size = Math.min(remaining, initial); size > 0; remaining -= size, size = Math.min(2 * size, remaining)) sizes.push(size);
  return sizes;
}

/** client-go's token bucket (flowcontrol.NewTokenBucketRateLimiter): qps tokens a second, at most burst saved. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.last = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) / 1000) * this.qps);
      this.last = nowMs;
    }
  }

  /** Whole tokens available at nowMs. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens + 1e-9);
  }

  take(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= n;
  }

  /** Milliseconds until the next whole token. */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return Math.max(1, Math.ceil(((1 - (this.tokens - Math.floor(this.tokens + 1e-9))) * 1000) / this.qps));
  }
}

/** One batch of creates to issue together; `completes` when it is the end of a slow-start batch. */
export interface PacedChunk {
  creates: PodCreation[];
  completes?: { sync: number; batch: number; size: number };
}

export interface PacedStep {
  chunks: PacedChunk[];
  /** Look again after this long (the next token, or the next sync). */
  requeueAfterMs?: number;
}

interface SyncState {
  sync: number;
  planned: PodCreation[];
  pos: number;
  batch: number;
  batchSize: number;
  batchDone: number;
  /** The store resourceVersion the controller must have observed before the next sync (expectations). */
  observeRV?: number;
  finished: boolean;
}

export interface PacerOptions {
  qps?: number;
  burst?: number;
  burstReplicas?: number;
}

/** Paces the creates of every DaemonSet of one controller (one client rate limiter, per-DaemonSet fixed rates). */
export class DaemonSetPacer {
  private readonly syncs = new Map<string, SyncState>();
  private readonly fixedBuckets = new Map<string, { qps: number; bucket: TokenBucket }>();
  private client: TokenBucket | undefined;
  private readonly qps: number;
  private readonly burst: number;
  readonly burstReplicas: number;

  constructor(options: PacerOptions = {}) {
    this.qps = options.qps ?? REALISTIC.qps;
    this.burst = options.burst ?? REALISTIC.burst;
    this.burstReplicas = options.burstReplicas ?? REALISTIC.burstReplicas;
  }

  /** Forgets a DaemonSet (deleted). */
  forget(key: string): void {
    this.syncs.delete(key);
    this.fixedBuckets.delete(key);
  }

  private bucketFor(key: string, pacing: Pacing, nowMs: number): TokenBucket {
    if (pacing.mode === 'realistic') return (this.client ??= new TokenBucket(this.qps, this.burst, nowMs));
    const qps = pacing.qps ?? DEFAULT_FIXED_QPS;
    let entry = this.fixedBuckets.get(key);
    if (!entry || entry.qps !== qps) this.fixedBuckets.set(key, (entry = { qps, bucket: new TokenBucket(qps, 1, nowMs) }));
    return entry.bucket;
  }

  /**
   * What to create now for a DaemonSet whose plan wants `wanted`, given the controller has observed
   * the store up to observedRV. Mutates only the pacer's own state.
   */
  step(key: string, pacing: Pacing, wanted: readonly PodCreation[], nowMs: number, observedRV: number): PacedStep {
    if (pacing.mode === 'instant') {
      this.syncs.delete(key);
      return { chunks: slowStartChunks(wanted) };
    }
    let state = this.syncs.get(key);
    if (state?.finished) {
      // Expectations: the next sync waits until this controller has seen its own creates.
      if (state.observeRV !== undefined && observedRV < state.observeRV) return { chunks: [], requeueAfterMs: 10 };
    }
    const stillWanted = new Set(wanted.map((c) => c.node));
    if (!state || state.finished) {
      if (wanted.length === 0) return { chunks: [] };
      const planned = pacing.mode === 'realistic' ? wanted.slice(0, this.burstReplicas) : [...wanted];
      state = { sync: (state?.sync ?? 0) + 1, planned, pos: 0, batch: 1, batchSize: 1, batchDone: 0, finished: false };
      this.syncs.set(key, state);
    }
    const bucket = this.bucketFor(key, pacing, nowMs);
    const chunks: PacedChunk[] = [];
    let tokens = bucket.available(nowMs);
    while (state.pos < state.planned.length && tokens > 0) {
      const take = Math.min(tokens, state.batchSize - state.batchDone);
      // A node that no longer needs a pod (it got one, or left) is skipped, as a stale create would fail.
      const creates = state.planned.slice(state.pos, state.pos + take).filter((c) => stillWanted.has(c.node));
      state.pos += take;
      state.batchDone += take;
      tokens -= creates.length;
      bucket.take(creates.length, nowMs);
      const chunk: PacedChunk = { creates };
      if (state.batchDone === state.batchSize) {
        if (pacing.mode === 'realistic') chunk.completes = { sync: state.sync, batch: state.batch, size: state.batchSize };
        state.batch++;
        state.batchDone = 0;
        state.batchSize = pacing.mode === 'realistic' ? Math.min(2 * state.batchSize, state.planned.length - state.pos) : 1;
      }
      if (creates.length || chunk.completes) chunks.push(chunk);
    }
    if (state.pos >= state.planned.length) {
      state.finished = true;
      return { chunks, requeueAfterMs: 10 };
    }
    return { chunks, requeueAfterMs: bucket.waitMs(nowMs) };
  }

  /** The controller wrote its creates up to rv: the next sync waits until it has observed them. */
  created(key: string, rv: number): void {
    const state = this.syncs.get(key);
    if (state) state.observeRV = Math.max(state.observeRV ?? 0, rv);
  }

  /** A create failed: upstream's slow start gives up the rest of the sync. */
  abort(key: string): void {
    const state = this.syncs.get(key);
    if (state) state.finished = true;
  }
}

/** instant pacing: everything now, in slow-start batches. */
function slowStartChunks(wanted: readonly PodCreation[]): PacedChunk[] {
  const chunks: PacedChunk[] = [];
  let pos = 0;
  for (const size of slowStartBatches(wanted.length)) {
    chunks.push({ creates: wanted.slice(pos, pos + size) });
    pos += size;
  }
  return chunks;
}
