// Table printing for kubemock.dev/v1alpha1 FaultRule.
import type { TablePrinter } from '../types.js';
import { faultRulePhase, faultSpecOf, type FaultAction, type FaultRuleStatus } from '../kinds/faultrule.js';
import { statusOf } from '../kinds/steering-common.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';

/** An action in a few words: `429 Retry-After 1s`, `+200ms`, `drop watch after 3 events`. */
export function faultActionText(action: FaultAction | undefined): string {
  if (!action) return '<none>';
  const parts: string[] = [];
  if (action.latencyMs) parts.push(`+${action.latencyMs}ms`);
  if (action.code !== undefined) parts.push(`${action.code}${action.code === 429 || action.retryAfterSeconds ? ` Retry-After ${action.retryAfterSeconds ?? 1}s` : ''}`);
  if (action.dropWatchAfterEvents !== undefined) parts.push(`drop watch after ${action.dropWatchAfterEvents} events`);
  return parts.join(', ') || '<none>';
}

const list = (values: string[] | undefined): string => (values?.length ? values.join(',') : '*');

/** FaultRule table: Name, Verbs, Resources, Action, Applied (n or n/count), Phase, Age; wide: Namespaces, Names, User-Agent, Fraction, Expires. */
export const faultRuleTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Verbs', 'string', 'The verbs the rule matches (* for all).'),
    column('Resources', 'string', 'The resources the rule matches (* for all).'),
    column('Action', 'string', 'What a matching request gets: added latency, a status code, a dropped watch.'),
    column('Applied', 'string', 'Requests the action was applied to, out of count when the rule has one.'),
    column('Phase', 'string', 'Active, Exhausted (count reached) or Expired.'),
    ageColumn,
    column('Namespaces', 'string', 'The namespaces the rule matches (* for all).', 1),
    column('Names', 'string', 'The object names the rule matches (* for all).', 1),
    column('User-Agent', 'string', 'The regular expression the User-Agent must match.', 1),
    column('Fraction', 'string', 'The fraction of matching requests the action applies to.', 1),
    column('Expires', 'string', 'When the rule stops applying.', 1),
  ],
  cells(obj, now) {
    const spec = faultSpecOf(obj);
    const status = statusOf(obj) as FaultRuleStatus;
    const applied = status.applied ?? 0;
    return [
      obj.metadata.name ?? '',
      list(spec.match?.verbs),
      list(spec.match?.resources),
      faultActionText(spec.action),
      spec.count !== undefined ? `${applied}/${spec.count}` : String(applied),
      faultRulePhase(spec, applied, now),
      ageCell(obj, now),
      list(spec.match?.namespaces),
      list(spec.match?.names),
      spec.match?.userAgent || '*',
      spec.fraction !== undefined ? String(spec.fraction) : '1',
      spec.expiresAt ?? '<never>',
    ];
  },
};
