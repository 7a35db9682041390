// ControllerRevisions of a DaemonSet (upstream update.go: constructHistory, snapshot, Match,
// dedupCurHistories, cleanupHistory) and the template hash (controller.ComputeHash). Pure
// functions: they say which revisions to create, relabel, renumber or delete; the controller
// writes.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { memoized } from '../memo.js';
import { canonicalJSON, goPodTemplate } from './go-json.js';

export { canonicalJSON, goPodTemplate, goQuote } from './go-json.js';

/** apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** extensions.DaemonSetTemplateGenerationKey. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** apps.DeprecatedTemplateGeneration. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** rand.SafeEncodeString's alphabet: no vowels, no 0/1/3, so no words and no look-alikes. */
export const SAFE_ENCODE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: maps every character onto the safe alphabet by its code. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ENCODE_ALPHABET[ch.codePointAt(0)! % SAFE_ENCODE_ALPHABET.length];
  return out;
}

/** 32-bit FNV-1a over bytes. */
export function fnv32a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash >>> 0;
}

/**
 * controller.ComputeHash: FNV-32a of the template (here its canonical Go JSON, where upstream
 * hashes a spew dump) followed, when set, by collisionCount as 8 little-endian bytes; the decimal
 * sum is then safe-encoded.
 */
export function computeHash(template: unknown, collisionCount?: number | null): string {
  const parts: Uint8Array[] = [Buffer.from(canonicalJSON(goPodTemplate(template)), 'utf8')];
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = Buffer.alloc(8);
    extra.writeUInt32LE(collisionCount >>> 0, 0);
    parts.push(extra);
  }
  return safeEncodeString(String(fnv32a(Buffer.concat(parts))));
}

/** getPatch as an object: `{"spec":{"template":{"$patch":"replace",...}}}`, keys in Go's order. */
export function revisionData(ds: DaemonSet): { spec: { template: Record<string, unknown> } } {
  return templateRevisionData(ds.spec?.template);
}

type PodTemplate = NonNullable<DaemonSet['spec']>['template'];

function templateRevisionData(template: PodTemplate | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { $patch: 'replace', ...goPodTemplate(template) } } };
}

/**
 * The exact bytes upstream stores in ControllerRevision.data for this DaemonSet. They depend on the
 * template alone, so they are kept per template: every status write makes a new DaemonSet object
 * with the same template, and a fan-out re-plans after each.
 */
export function revisionDataBytes(ds: DaemonSet): string {
  const template = ds.spec?.template;
  return template ? templateDataBytes(template) : canonicalJSON(templateRevisionData(undefined));
}
const templateDataBytes = memoized((template: PodTemplate): string => canonicalJSON(templateRevisionData(template)));

/** A revision's data in canonical form (undefined without data), kept per stored revision. */
const storedDataBytes = memoized((revision: ControllerRevision): string | undefined => (revision.data !== undefined ? canonicalJSON(revision.data) : undefined));

/** Match: the revision's data holds this DaemonSet's current template. */
export function revisionMatches(ds: DaemonSet, revision: ControllerRevision, dsBytes = revisionDataBytes(ds)): boolean {
  return revision.data !== undefined && storedDataBytes(revision) === dsBytes;
}

/** metav1.NewControllerRef(ds, apps/v1 DaemonSet). */
export function controllerRefOf(ds: DaemonSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata!.name!, uid: ds.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** The revision snapshot() would create for this DaemonSet (G1). */
export function buildRevision(ds: DaemonSet, hash: string, revision: number): ControllerRevision {
  const meta = ds.metadata!;
  const annotations = meta.annotations ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${meta.name}-${hash}`,
      namespace: meta.namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
      ownerReferences: [controllerRefOf(ds)],
    },
    data: revisionData(ds),
    revision,
  };
}

export function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0);
}

/** What constructHistory decided. */
export interface HistoryPlan {
  /** The current revision's hash: the label pods get (upstream reads it from cur's label). */
  hash: string;
  /** The current revision, as it will be once the plan is applied. */
  current: ControllerRevision;
  /** A revision to create (none matched the template). */
  create?: ControllerRevision;
  /** A new revision number for the current revision (G4: max of the others + 1). */
  renumber?: { name: string; revision: number };
  /** Revisions without the hash label get it (upstream sets it to the revision's name). */
  addHashLabel: string[];
  /** Duplicate revisions of the current template, deleted after pods are relabelled. */
  duplicates: string[];
  /** Pods whose hash label must become the kept duplicate's (dedupCurHistories). */
  relabelPods: string[];
  /** Every controlled revision that does not hold the current template. */
  old: ControllerRevision[];
}

/** The outcome of snapshot() when `<ds>-<hash>` already names a revision with other data. */
export interface HashCollision {
  collision: true;
  name: string;
}

/**
 * constructHistory over the revisions the DaemonSet controls (after adoption): finds the one
 * matching the template (renumbering it to the top, deduplicating), or plans a new one.
 * `namespaceRevisions` are all revisions of the namespace, consulted for a name collision.
 */
export function planHistory(
  ds: DaemonSet,
  controlled: readonly ControllerRevision[],
  namespaceRevisions: readonly ControllerRevision[],
  claimedPods: ReadonlyArray<{ metadata?: { name?: string; labels?: Readonly<Record<string, string>> } }>,
): HistoryPlan | HashCollision {
  const dsBytes = revisionDataBytes(ds);
  const addHashLabel: string[] = [];
  const currents: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (const rev of controlled) {
    let labelled = rev;
    if (rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === undefined) {
      addHashLabel.push(rev.metadata!.name!);
      labelled = { ...rev, metadata: { ...rev.metadata, labels: { ...(rev.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: rev.metadata!.name! } } };
    }
    if (revisionMatches(ds, labelled, dsBytes)) currents.push(labelled);
    else old.push(labelled);
  }
  const currRevision = maxRevision(old) + 1;
  if (currents.length === 0) {
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const candidate = buildRevision(ds, hash, currRevision);
    const taken = namespaceRevisions.find((r) => r.metadata?.name === candidate.metadata!.name);
    if (taken) {
      // snapshot() got AlreadyExists: reuse the revision if it is ours in all but ownership.
      if (!revisionMatches(ds, taken, dsBytes)) return { collision: true, name: candidate.metadata!.name! };
      const existingHash = taken.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? hash;
      return { hash: existingHash, current: taken, addHashLabel, duplicates: [], relabelPods: [], old };
    }
    return { hash, current: candidate, create: candidate, addHashLabel, duplicates: [], relabelPods: [], old };
  }
  // dedupCurHistories keeps the highest revision (the last one on ties).
  let keep = currents[0]!;
  for (const cur of currents) if ((cur.revision ?? 0) >= (keep.revision ?? 0)) keep = cur;
  const hash = keep.metadata!.labels![CONTROLLER_REVISION_HASH_LABEL]!;
  const duplicates = currents.filter((c) => c !== keep).map((c) => c.metadata!.name!);
  const relabelPods =
    duplicates.length === 0 ? [] : claimedPods.filter((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hash).map((p) => p.metadata!.name!);
  let current = keep;
  let renumber: HistoryPlan['renumber'];
  if ((keep.revision ?? 0) < currRevision) {
    renumber = { name: keep.metadata!.name!, revision: currRevision };
    current = { ...keep, revision: currRevision };
  }
  return { hash, current, ...(renumber ? { renumber } : {}), addHashLabel, duplicates, relabelPods, old };
}

/**
 * cleanupHistory (G6): the old revisions to delete, lowest revision first, so that at most
 * revisionHistoryLimit remain, never deleting one whose hash a live pod still carries.
 */
export function planHistoryCleanup(old: readonly ControllerRevision[], revisionHistoryLimit: number, liveHashes: ReadonlySet<string>): string[] {
  let toKill = old.length - revisionHistoryLimit;
  if (toKill <= 0) return [];
  const out: string[] = [];
  for (const rev of [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))) {
    if (toKill <= 0) break;
    if (liveHashes.has(rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
    out.push(rev.metadata!.name!);
    toKill--;
  }
  return out;
}
