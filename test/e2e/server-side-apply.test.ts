// End-to-end: kubectl apply --server-side against one real server process, for every kubectl
// 1.27 … 1.33 (each in its own namespace): create, unchanged re-apply, a conflict with another
// field manager, --force-conflicts, and the upgrade from client-side apply.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { ROOT, eventually, startServer } from '../helpers/cluster.js';
import { forEachVersion } from '../helpers/kubectl-e2e.js';

const SEED = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');
const seed = parseYaml(readFileSync(SEED, 'utf8')) as Record<string, any>;
const IMAGE_FIELD = '.spec.template.spec.containers[name="monitoring-agent"].image';

/** The seed manifest with another image (and optionally another name and labels), as JSON for `-f -`. */
function variant(image: string, extra: { name?: string; labels?: Record<string, string> } = {}): string {
  const copy = structuredClone(seed);
  copy.spec.template.spec.containers[0].image = image;
  if (extra.name) copy.metadata.name = extra.name;
  if (extra.labels) copy.metadata.labels = extra.labels;
  return JSON.stringify(copy);
}

interface Entry {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

const server = await startServer(t, { nodes: 1 });

interface DaemonSetView {
  metadata: { resourceVersion: string; generation?: number };
  status?: { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number };
}

/**
 * Waits until a DaemonSet's rollout is over (its controller stops writing status) and its
 * resourceVersion has held still for a second; returns that resourceVersion.
 */
async function settle(read: () => Promise<DaemonSetView>): Promise<string> {
  let last = '';
  let still = 0;
  return eventually(
    async () => {
      const ds = await read();
      const s = ds.status ?? {};
      const done = s.observedGeneration === ds.metadata.generation && (s.updatedNumberScheduled ?? 0) === (s.desiredNumberScheduled ?? 0) && (s.numberAvailable ?? 0) === (s.desiredNumberScheduled ?? 0);
      still = done && ds.metadata.resourceVersion === last ? still + 1 : 0;
      last = ds.metadata.resourceVersion;
      return still >= 2 ? last : '';
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

await forEachVersion(t, server, async (t, { id, k }) => {
  const ns = `ssa-${id}`;
  t.equal((await k(['create', 'namespace', ns])).code, 0);
  const getDs = async (name = 'monitoring-daemon') => {
    const res = await k(['get', 'daemonset', name, '-n', ns, '-o', 'json', '--show-managed-fields']);
    t.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout) as DaemonSetView & { metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; managedFields: Entry[] }; spec: any };
  };

  const first = await k(['apply', '--server-side', '-f', SEED, '-n', ns]);
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout, 'daemonset.apps/monitoring-daemon serverside-applied\n');
  t.equal(first.stderr, '', 'no warnings');
  const created = await getDs();
  t.same(
    created.metadata.managedFields.map((e) => [e.manager, e.operation, e.fieldsV1]),
    [
      [
        'kubectl',
        'Apply',
        {
          'f:spec': {
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"monitoring-agent"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      ],
    ],
    'kubectl owns what it applied',
  );

  // The DaemonSet controller writes status while the pods start; wait until it is done.
  const settled = await settle(getDs);
  const again = await k(['apply', '--server-side', '-f', SEED, '-n', ns]);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout, 'daemonset.apps/monitoring-daemon serverside-applied\n');
  t.equal((await getDs()).metadata.resourceVersion, settled, 'an identical re-apply changes nothing');

  const conflict = await k(['apply', '--server-side', '--field-manager=other', '-f', '-', '-n', ns], { input: variant('monitoring-agent:2') });
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, `Apply failed with 1 conflict: conflict with "kubectl": ${IMAGE_FIELD}`);
  t.match(conflict.stderr, 'Please review the fields above--they currently have other managers.');
  t.equal((await getDs()).metadata.resourceVersion, settled, 'a refused apply writes nothing');

  const forced = await k(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-', '-n', ns], { input: variant('monitoring-agent:2') });
  t.equal(forced.code, 0, forced.stderr);
  t.equal(forced.stdout, 'daemonset.apps/monitoring-daemon serverside-applied\n');
  const taken = await getDs();
  t.equal(taken.spec.template.spec.containers[0].image, 'monitoring-agent:2');
  t.same(taken.metadata.managedFields.map((e) => `${e.manager}/${e.operation}`), ['kubectl/Apply', 'other/Apply']);
  t.notMatch(JSON.stringify(taken.metadata.managedFields[0]!.fieldsV1), 'f:image', 'kubectl lost the image to other');

  // Client-side apply first, then server-side: kubectl migrates the ownership and prunes.
  const csa = await k(['apply', '-f', '-', '-n', ns], { input: variant('monitoring-agent', { name: 'migrated', labels: { extra: 'yes' } }) });
  t.equal(csa.code, 0, csa.stderr);
  t.equal(csa.stdout, 'daemonset.apps/migrated created\n');
  t.same((await getDs('migrated')).metadata.managedFields.map((e) => `${e.manager}/${e.operation}`), ['kubectl-client-side-apply/Update']);
  const ssa = await k(['apply', '--server-side', '-f', '-', '-n', ns], { input: variant('monitoring-agent:3', { name: 'migrated' }) });
  t.equal(ssa.code, 0, ssa.stderr);
  t.equal(ssa.stdout, 'daemonset.apps/migrated serverside-applied\n');
  t.equal(ssa.stderr, '', 'no migration warnings');
  const migrated = await getDs('migrated');
  t.equal(migrated.spec.template.spec.containers[0].image, 'monitoring-agent:3');
  t.equal(migrated.metadata.labels, undefined, 'the label only client-side apply had applied is pruned');
  t.same(migrated.metadata.managedFields.map((e) => `${e.manager}/${e.operation}`).sort(), ['kubectl-last-applied/Apply', 'kubectl/Apply'], 'no client-side manager is left');
  t.match(migrated.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], '"image":"monitoring-agent:3"', 'the server keeps the annotation current');
  const quiet = await settle(() => getDs('migrated'));
  const stable = await k(['apply', '--server-side', '-f', '-', '-n', ns], { input: variant('monitoring-agent:3', { name: 'migrated' }) });
  t.equal(stable.code, 0, stable.stderr);
  t.equal((await getDs('migrated')).metadata.resourceVersion, quiet, 'after the migration a re-apply is a no-op');
});
