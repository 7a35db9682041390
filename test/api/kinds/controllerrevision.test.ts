import t from 'tap';
import { controllerRevisionStrategy } from '../../../api/kinds/controllerrevision.js';
import type { FieldError } from '../../../api/field-errors.js';
import { clone, deepFreeze, type KubeObject } from '../../../store/object.js';

function revision(over: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'agent-6d4b7c9f8', namespace: 'default' },
    data: { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'a', image: 'a:1' }] } } } },
    revision: 1,
    ...over,
  };
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

t.test('revisions need data and a non-negative revision', async (t) => {
  const cases: Array<[string, KubeObject, string[]]> = [
    ['a valid revision', revision(), []],
    ['no data', revision({ data: undefined }), ['data: Required value: data is mandatory']],
    ['a negative revision', revision({ revision: -1 }), ['revision: Invalid value: -1: must be greater than or equal to 0']],
  ];
  for (const [name, obj, expected] of cases) {
    controllerRevisionStrategy.applyDefaults!(obj);
    t.same(brief(controllerRevisionStrategy.validate!(obj)), expected, name);
  }
});

t.test('an absent revision is encoded as 0', async (t) => {
  const obj = revision({ revision: undefined });
  controllerRevisionStrategy.applyDefaults!(obj);
  t.equal(obj.revision, 0);
});

t.test('data is immutable but the revision number may change', async (t) => {
  const old = deepFreeze(revision());
  const renumbered = clone(old);
  renumbered.revision = 3;
  t.same(controllerRevisionStrategy.validateUpdate!(renumbered, old), []);
  const changed = clone(old) as any;
  changed.data.spec.template.spec.containers[0].image = 'a:2';
  const errs = brief(controllerRevisionStrategy.validateUpdate!(changed, old));
  t.equal(errs.length, 1);
  t.match(errs[0], /^data: Invalid value: .*: field is immutable$/);
});
