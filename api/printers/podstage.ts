// Table printing for kubemock.dev/v1alpha1 PodStage.
import type { TablePrinter } from '../types.js';
import { podStageSpecOf, type PodStageSpec } from '../kinds/podstage.js';
import { labelSelectorToString, type LabelSelectorObject } from '../../store/selectors.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';

/** A stage's share (default 1) as a percentage. */
export const pct = (fraction: number | undefined): string => `${Math.round((fraction ?? 1) * 100)}%`;

/** A stage's label selector; an empty one selects everything. */
export function selectorCell(selector: LabelSelectorObject | undefined): string {
  const text = labelSelectorToString(selector ?? {});
  return text === '<none>' ? '<all>' : text;
}

/** A stage's start-up delay with its jitter (`3000ms+500ms`), or unset. */
export function startupCell(startup: { delayMs?: number; jitterMs?: number } | undefined, unset: string): string {
  return startup ? `${startup.delayMs ?? 0}ms${startup.jitterMs ? `+${startup.jitterMs}ms` : ''}` : unset;
}

function terminationCell(termination: PodStageSpec['termination']): string {
  if (termination?.ignoreSigterm) return 'ignores SIGTERM';
  return termination?.exitDelayMs !== undefined ? `exits ${termination.exitDelayMs}ms after SIGTERM` : '<default>';
}

/** PodStage table: Name, Selector, Startup, Readiness, Failure, Image-Pull, Age; wide: Field-Selector, Namespaces, Termination. */
export const podStageTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Selector', 'string', 'The label selector of the pods the stage applies to.'),
    column('Startup', 'string', 'Start-up delay (plus jitter).'),
    column('Readiness', 'string', 'How long containers run before they are ready.'),
    column('Failure', 'string', 'Share of pods whose containers exit, and after how long.'),
    column('Image-Pull', 'string', 'Share of pods whose image pulls fail.'),
    ageColumn,
    column('Field-Selector', 'string', 'The pod field selector, if any.', 1),
    column('Namespaces', 'string', 'The namespaces, if limited.', 1),
    column('Termination', 'string', 'How containers answer SIGTERM.', 1),
  ],
  cells(obj, now) {
    const spec = podStageSpecOf(obj);
    return [
      obj.metadata.name ?? '',
      selectorCell(spec.selector),
      startupCell(spec.startup, '<default>'),
      spec.readiness?.delayMs !== undefined ? `${spec.readiness.delayMs}ms` : '<none>',
      spec.failure ? `${pct(spec.failure.fraction)} after ${spec.failure.afterMs ?? 1000}ms (exit ${spec.failure.exitCode ?? 1})` : '<none>',
      spec.imagePull ? pct(spec.imagePull.fraction) : '<none>',
      ageCell(obj, now),
      spec.fieldSelector || '<none>',
      spec.namespaces?.length ? spec.namespaces.join(',') : '<all>',
      terminationCell(spec.termination),
    ];
  },
};
