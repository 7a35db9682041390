import t from 'tap';
import { nodeStageStrategy } from '../../../api/kinds/nodestage.js';
import { nodeStageTable } from '../../../api/printers/nodestage.js';
import type { KubeObject } from '../../../store/object.js';

const stage = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'kubemock.dev/v1alpha1', kind: 'NodeStage', metadata: { name: 'late', creationTimestamp: '2026-01-01T00:00:00Z' }, spec });
const errors = (spec: Record<string, unknown>) => nodeStageStrategy.validate!(stage(spec)).map((e) => `${e.field}: ${e.message}`);

t.test('valid stages pass', async (t) => {
  t.same(errors({}), []);
  t.same(errors({ selector: { matchLabels: { pool: 'late' } }, fieldSelector: 'metadata.name=node-3', startup: { delayMs: 30_000, jitterMs: 5000 }, notReady: { fraction: 0.5, reason: 'KubeletNotReady', message: 'PLEG is not healthy' }, heartbeat: { intervalMs: 10_000 } }), []);
  t.same(errors({ fieldSelector: 'spec.unschedulable=true' }), []);
});

t.test('invalid fields are causes naming them', async (t) => {
  t.same(errors({ notReady: { fraction: 2 } }), ['spec.notReady.fraction: Invalid value: 2: must be less than or equal to 1']);
  t.match(errors({ notReady: { reason: 'not ready!' } }), [/^spec.notReady.reason: Invalid value: "not ready!": a condition reason must start with a letter/]);
  t.same(errors({ notReady: { message: 5 } }), ['spec.notReady.message: Invalid value: 5: must be a string of at most 32768 characters']);
  t.same(errors({ startup: { delayMs: -1 } }), ['spec.startup.delayMs: Invalid value: -1: must be greater than or equal to 0']);
  t.same(errors({ startup: { jitterMs: 1.5 } }), ['spec.startup.jitterMs: Invalid value: 1.5: must be an integer']);
  t.same(errors({ heartbeat: { intervalMs: 10 } }), ['spec.heartbeat.intervalMs: Invalid value: 10: must be greater than or equal to 1000']);
  t.same(errors({ heartbeat: 'fast' }), ['spec.heartbeat: Invalid value: "fast": must be an object']);
  t.match(errors({ fieldSelector: 'status.phase=Ready' }), [/^spec.fieldSelector: Invalid value: "status.phase=Ready"/]);
  t.match(errors({ selector: { matchLabels: { 'bad key!': 'x' } } }), [/^spec.selector.matchLabels: Invalid value: "bad key!"/]);
});

t.test('the table says what the stage does', async (t) => {
  const now = new Date('2026-01-01T00:00:10Z');
  t.same(nodeStageTable.columns.map((c) => c.name), ['Name', 'Selector', 'Startup', 'Not-Ready', 'Heartbeat', 'Age', 'Field-Selector', 'Message']);
  t.same(nodeStageTable.cells(stage({ selector: { matchLabels: { pool: 'late' } }, startup: { delayMs: 30_000, jitterMs: 500 } }), now), ['late', 'pool=late', '30000ms+500ms', '<none>', '<default>', '10s', '<none>', '<none>']);
  t.same(nodeStageTable.cells(stage({ fieldSelector: 'metadata.name=node-3', notReady: { fraction: 0.25 }, heartbeat: { intervalMs: 5000 } }), now), ['late', '<all>', '<none>', '25% (KubeletNotReady)', '5000ms', '10s', 'metadata.name=node-3', '<default>']);
});
