// Table printing for kubemock.dev/v1alpha1 PodStage.
import type { TablePrinter } from '../types.js';
import { podStageSpecOf, type PodStageSpec } from '../kinds/podstage.js';
import { labelSelectorToString } from '../../store/selectors.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';

const pct = (fraction: number | undefined): string => `${Math.round((fraction ?? 1) * 100)}%`;

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
    let selector = '<all>';
    try {
      selector = labelSelectorToString(spec.selector) || '<all>';
    } catch {
      selector = '<invalid>';
    }
    return [
      obj.metadata.name ?? '',
      selector,
      spec.startup ? `${spec.startup.delayMs ?? 0}ms${spec.startup.jitterMs ? `+${spec.startup.jitterMs}ms` : ''}` : '<default>',
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
