import t from 'tap';
import { podStageStrategy } from '../../../api/kinds/podstage.js';
import { podStageTable } from '../../../api/printers/podstage.js';
import type { KubeObject } from '../../../store/object.js';

const stage = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'kubemock.dev/v1alpha1', kind: 'PodStage', metadata: { name: 'flaky', creationTimestamp: '2026-01-01T00:00:00Z' }, spec });
const errors = (spec: Record<string, unknown>) => podStageStrategy.validate!(stage(spec)).map((e) => `${e.field}: ${e.message}`);

t.test('valid stages pass', async (t) => {
  t.same(errors({}), []);
  t.same(errors({ selector: { matchLabels: { app: 'flaky' } }, fieldSelector: 'spec.nodeName=node-1', namespaces: ['default'], startup: { delayMs: 100, jitterMs: 50 }, readiness: { delayMs: 1000 }, failure: { fraction: 0.5, afterMs: 100, exitCode: 2 }, imagePull: { fraction: 0.1 } }), []);
});

t.test('invalid fields are causes naming them', async (t) => {
  t.same(errors({ failure: { fraction: 1.5 } }), ['spec.failure.fraction: Invalid value: 1.5: must be less than or equal to 1']);
  t.same(errors({ failure: { exitCode: 0 } }), ['spec.failure.exitCode: Invalid value: 0: must be greater than or equal to 1']);
  t.same(errors({ startup: { delayMs: -5 } }), ['spec.startup.delayMs: Invalid value: -5: must be greater than or equal to 0']);
  t.match(errors({ fieldSelector: 'spec.image=x' }), [/^spec.fieldSelector: Invalid value: "spec.image=x"/]);
  t.match(errors({ selector: { matchLabels: { 'bad key!': 'x' } } }), [/^spec.selector.matchLabels: Invalid value: "bad key!"/]);
  t.same(errors({ readiness: 5 }), ['spec.readiness: Invalid value: 5: must be an object']);
  t.same(errors({ termination: { ignoreSigterm: 'yes' } }), ['spec.termination.ignoreSigterm: Invalid value: "yes": must be a boolean']);
  t.same(errors({ termination: { ignoreSigterm: true, exitDelayMs: 100 } }), ['spec.termination.exitDelayMs: Invalid value: 100: may not be set when ignoreSigterm is true']);
  t.same(errors({ termination: { exitDelayMs: -1 } }), ['spec.termination.exitDelayMs: Invalid value: -1: must be greater than or equal to 0']);
  t.same(errors({ termination: { ignoreSigterm: false, exitDelayMs: 100 } }), []);
});

t.test('the table says what the stage does', async (t) => {
  const cells = podStageTable.cells(stage({ selector: { matchLabels: { app: 'flaky' } }, startup: { delayMs: 100, jitterMs: 50 }, failure: { fraction: 0.5 } }), new Date('2026-01-01T00:00:10Z'));
  t.same(cells.slice(0, 7), ['flaky', 'app=flaky', '100ms+50ms', '<none>', '50% after 1000ms (exit 1)', '<none>', '10s']);
  t.equal(cells[9], '<default>');
  t.equal(podStageTable.cells(stage({}), new Date())[1], '<all>', 'an empty selector selects every pod');
  t.equal(podStageTable.cells(stage({ termination: { ignoreSigterm: true } }), new Date())[9], 'ignores SIGTERM');
  t.equal(podStageTable.cells(stage({ termination: { exitDelayMs: 5000 } }), new Date())[9], 'exits 5000ms after SIGTERM');
});
