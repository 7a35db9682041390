// End-to-end: `kubectl get -w` for every kubectl 1.27 … 1.33 against one real server process. A
// background kubectl watches while a second kubectl makes changes; the watcher's stdout is read
// until the expected lines appear (bounded), then the watcher is killed. Objects carry the label
// watch=<id>, so each version only sees its own.
import t from 'tap';
import { startServer } from '../helpers/cluster.js';
import { background, forEachVersion, show } from '../helpers/kubectl-e2e.js';

const server = await startServer(t, { nodes: 1 });
const UNSCHEDULABLE = '--overrides={"apiVersion":"v1","spec":{"nodeSelector":{"e2e-target":"none"}}}';

/** Index of the first line matching re, or -1. */
function lineIndex(out: string, re: RegExp): number {
  return out.split('\n').findIndex((l) => re.test(l));
}

t.test('kubectl get pods -w --output-watch-events prints ADDED, MODIFIED and DELETED as they happen', (t) =>
  forEachVersion(t, server, async (t, { id, binary, k }) => {
    const anchor = await k(['run', `anchor-${id}`, '--image=busybox', '--restart=Never', `--labels=watch=${id}`, UNSCHEDULABLE]);
    t.equal(anchor.code, 0, show(anchor));
    // --show-labels lets the test tell its own label change from the scheduler's status updates.
    const w = background(t, binary, server, ['get', 'pods', '-l', `watch=${id}`, '-w', '--output-watch-events', '--show-labels']);
    // The initial list is printed (as ADDED) before the watch starts from the list's resourceVersion.
    await w.waitFor((out) => new RegExp(`^ADDED\\s+anchor-${id}\\s`, 'm').test(out));
    t.match(w.stdout(), /^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS\n/, 'header line');

    const run = await k(['run', `w-${id}`, '--image=busybox', '--restart=Never', `--labels=watch=${id}`, UNSCHEDULABLE]);
    t.equal(run.code, 0, show(run));
    await w.waitFor((out) => new RegExp(`^ADDED\\s+w-${id}\\s+0/1\\s+Pending\\s+0\\s+\\d+s`, 'm').test(out));
    const label = await k(['label', 'pod', `w-${id}`, 'step=two']);
    t.equal(label.code, 0, show(label));
    await w.waitFor((out) => new RegExp(`^MODIFIED\\s+w-${id}\\s.*step=two`, 'm').test(out));
    const del = await k(['delete', 'pod', `w-${id}`]);
    t.equal(del.code, 0, show(del));
    const out = await w.waitFor((o) => new RegExp(`^DELETED\\s+w-${id}\\s`, 'm').test(o));

    const added = lineIndex(out, new RegExp(`^ADDED\\s+w-${id}\\s`));
    const modified = lineIndex(out, new RegExp(`^MODIFIED\\s+w-${id}\\s.*step=two`));
    const deleted = lineIndex(out, new RegExp(`^DELETED\\s+w-${id}\\s`));
    t.ok(added < modified && modified < deleted, `ADDED, MODIFIED, DELETED in order:\n${out}`);
    t.notMatch(out, new RegExp(`^DELETED\\s+anchor-${id}\\s`, 'm'), 'the untouched pod is not reported deleted');
    t.equal(w.child.exitCode, null, 'the watch stays open until killed');
    t.equal(w.stderr(), '', 'nothing on stderr');
    await w.kill();
  }),
);

t.test('kubectl get ds -w prints ADDED, MODIFIED and DELETED, and -w -o name a line per change', (t) =>
  forEachVersion(t, server, async (t, { id, binary, k }) => {
    const name = `daemonset.apps/wds-${id}`;
    const count = (out: string) => out.split('\n').filter((l) => l === name).length;
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: `wds-${id}`, labels: { watch: id } },
      spec: {
        selector: { matchLabels: { app: `wds-${id}` } },
        template: { metadata: { labels: { app: `wds-${id}` } }, spec: { nodeSelector: { 'e2e-target': 'none' }, containers: [{ name: 'agent', image: 'busybox' }] } },
      },
    };
    const anchorDs = { ...manifest, metadata: { name: `wanchor-${id}`, labels: { watch: id } } };
    const anchor = await k(['create', '-f', '-'], { input: JSON.stringify(anchorDs) });
    t.equal(anchor.code, 0, show(anchor));
    const events = background(t, binary, server, ['get', 'ds', '-l', `watch=${id}`, '-w', '--output-watch-events', '--show-labels']);
    const names = background(t, binary, server, ['get', 'ds', '-l', `watch=${id}`, '-w', '-o', 'name']);
    await events.waitFor((out) => new RegExp(`^ADDED\\s+wanchor-${id}\\s`, 'm').test(out));
    await names.waitFor((out) => out.includes(`daemonset.apps/wanchor-${id}\n`));
    t.match(events.stdout(), /^EVENT\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+LABELS\n/, 'header line');

    const created = await k(['create', '-f', '-'], { input: JSON.stringify(manifest) });
    t.equal(created.stdout, `${name} created\n`, show(created));
    await events.waitFor((out) => new RegExp(`^ADDED\\s+wds-${id}\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+e2e-target=none\\s`, 'm').test(out));
    const labelled = await k(['label', 'ds', `wds-${id}`, 'step=two']);
    t.equal(labelled.code, 0, show(labelled));
    await events.waitFor((out) => new RegExp(`^MODIFIED\\s+wds-${id}\\s.*step=two`, 'm').test(out));
    const deleted = await k(['delete', 'ds', `wds-${id}`]);
    t.equal(deleted.code, 0, show(deleted));
    const out = await events.waitFor((o) => new RegExp(`^DELETED\\s+wds-${id}\\s`, 'm').test(o));
    const order = [/^ADDED\s+wds-/, /^MODIFIED\s+wds-.*step=two/, /^DELETED\s+wds-/].map((re) => lineIndex(out, re));
    t.ok(order[0]! >= 0 && order[0]! < order[1]! && order[1]! < order[2]!, `ADDED, MODIFIED, DELETED in order:\n${out}`);

    // The name printer shows no event type: at least one line per change (the DaemonSet
    // controller's status writes may add more), and nothing but names.
    const plain = await names.waitFor((o) => count(o) >= 3);
    t.ok(plain.split('\n').filter(Boolean).every((l) => l === name || l === `daemonset.apps/wanchor-${id}`), `only names are printed:\n${plain}`);
    t.equal(events.child.exitCode, null, 'the watches stay open until killed');
    t.equal(names.child.exitCode, null, 'the watches stay open until killed');
    await events.kill();
    await names.kill();
  }),
);

t.test('kubectl get pod NAME -w prints the pod once and then each later change', (t) =>
  forEachVersion(t, server, async (t, { id, binary, k }) => {
    // A single-object watch starts at resourceVersion 0: the server's synthetic ADDED must be
    // there for kubectl to suppress, or kubectl would swallow the first real change instead.
    const w = background(t, binary, server, ['get', 'pod', `anchor-${id}`, '-w', '--output-watch-events', '--show-labels']);
    await w.waitFor((out) => new RegExp(`^ADDED\\s+anchor-${id}\\s`, 'm').test(out));
    // Give the watch request time to reach the server before the change.
    await new Promise((r) => setTimeout(r, 750));
    const label = await k(['label', 'pod', `anchor-${id}`, 'step=one']);
    t.equal(label.code, 0, show(label));
    await w.waitFor((out) => new RegExp(`^MODIFIED\\s+anchor-${id}\\s.*step=one`, 'm').test(out));
    const del = await k(['delete', 'pod', `anchor-${id}`]);
    t.equal(del.code, 0, show(del));
    const out = await w.waitFor((o) => new RegExp(`^DELETED\\s+anchor-${id}\\s`, 'm').test(o));
    t.equal(out.split('\n').filter((l) => /^ADDED\s/.test(l)).length, 1, `one ADDED line:\n${out}`);
    await w.kill();
  }),
);
