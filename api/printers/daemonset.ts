// Table printing for apps/v1 DaemonSet (upstream printDaemonSet).
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { TablePrinter } from '../types.js';
import { ageCell, ageColumn, asKind, column, nameColumn } from './columns.js';

/** DaemonSet table: Name, the five status counts, Node Selector, Age, then wide Containers, Images, Selector. */
export const daemonSetTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 'Number of nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Number of nodes running at least one daemon pod that should.'),
    column('Ready', 'integer', 'Number of nodes whose daemon pod is ready.'),
    column('Up-to-date', 'integer', 'Number of nodes running the current pod template.'),
    column('Available', 'integer', 'Number of nodes whose daemon pod has been ready for minReadySeconds.'),
    column('Node Selector', 'string', 'Node labels a node must carry to run the pod.'),
    ageColumn,
    column('Containers', 'string', 'Names of the containers in the pod template.', 1),
    column('Images', 'string', 'Images of the containers in the pod template.', 1),
    column('Selector', 'string', 'Label query over the pods the DaemonSet owns.', 1),
  ],
  cells(obj, now) {
    const ds = asKind<DaemonSet>(obj);
    const status = ds.status;
    const podSpec = ds.spec?.template?.spec;
    const containers: Container[] = podSpec?.containers ?? [];
    return [
      obj.metadata.name ?? '',
      status?.desiredNumberScheduled ?? 0,
      status?.currentNumberScheduled ?? 0,
      status?.numberReady ?? 0,
      status?.updatedNumberScheduled ?? 0,
      status?.numberAvailable ?? 0,
      formatLabels(podSpec?.nodeSelector),
      ageCell(obj, now),
      containers.map((c) => c.name).join(','),
      containers.map((c) => c.image ?? '').join(','),
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

/** Upstream labels.FormatLabels: `k=v` pairs sorted by key and comma-joined, or `<none>`. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const pairs = Object.entries(labels ?? {}).sort(([a], [b]) => compare(a, b));
  return pairs.length === 0 ? '<none>' : pairs.map(([k, v]) => `${k}=${v}`).join(',');
}

interface Requirement {
  key: string;
  text: string;
}

/**
 * Upstream metav1.FormatLabelSelector: requirements sorted by key (match labels before expressions on
 * the same key), `<none>` for a missing or empty selector, `<error>` for one that does not convert.
 */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const requirements = selectorRequirements(selector);
  if (requirements === undefined) return '<error>';
  if (requirements.length === 0) return '<none>';
  return requirements
    .sort((a, b) => compare(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

// Returns undefined where upstream's LabelSelectorAsSelector returns an error.
function selectorRequirements(selector: LabelSelector | undefined | null): Requirement[] | undefined {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (!isQualifiedName(key) || !isLabelValue(value)) return undefined;
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    const text = isQualifiedName(key) ? expressionText(key, operator, values) : undefined;
    if (text === undefined) return undefined;
    requirements.push({ key, text });
  }
  return requirements;
}

function expressionText(key: string, operator: string, values: string[]): string | undefined {
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0 || !values.every(isLabelValue)) return undefined;
      return `${key} ${operator.toLowerCase()} (${[...values].sort().join(',')})`;
    case 'Exists':
      return values.length === 0 ? key : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? `!${key}` : undefined;
    default:
      return undefined;
  }
}

// Go compares strings bytewise; label keys are ASCII, so UTF-16 order is the same.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters.
function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.pop()!;
  const prefix = parts.pop();
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME_PART.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME_PART.test(value));
}
