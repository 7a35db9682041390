// End-to-end: read-only kubectl commands (version, api-resources, get in every output format,
// describe) and error rendering, for every kubectl 1.27 … 1.33 against one real server process.
// Each version creates and reads its own objects (suffix "127" … "133").
import t from 'tap';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startServer } from '../helpers/cluster.js';
import { forEachVersion, parseTable, row, show } from '../helpers/kubectl-e2e.js';

const server = await startServer(t, { nodes: 3 });

const AGE = /^(\d+[smhdy])+$/;
const INT = /^\d+$/;

const COLUMNS = {
  nodes: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
  namespaces: ['NAME', 'STATUS', 'AGE'],
  pods: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  events: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  daemonsets: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
  controllerrevisions: ['NAME', 'CONTROLLER', 'REVISION', 'AGE'],
};
const WIDE_COLUMNS = {
  nodes: [...COLUMNS.nodes, 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  namespaces: COLUMNS.namespaces,
  pods: [...COLUMNS.pods, 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  events: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'],
  daemonsets: [...COLUMNS.daemonsets, 'CONTAINERS', 'IMAGES', 'SELECTOR'],
  controllerrevisions: COLUMNS.controllerrevisions,
};

/** The DaemonSet and pod of one version. Both select no node, so nothing ever schedules them. */
function workloads(id: string): string {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: `ds-${id}`, labels: { e2e: 'basics', 'e2e-version': id } },
    spec: {
      selector: { matchLabels: { app: `ds-${id}` } },
      template: {
        metadata: { labels: { app: `ds-${id}` } },
        spec: { nodeSelector: { 'e2e-target': 'none' }, containers: [{ name: 'agent', image: 'busybox:1.36' }] },
      },
    },
  };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${id}`, labels: { 'e2e-version': id } },
    spec: { nodeSelector: { 'e2e-target': 'none' }, containers: [{ name: 'web', image: 'nginx:1.27' }] },
  };
  return `${toYaml(ds)}---\n${toYaml(pod)}`;
}

/** An event about the DaemonSet (so describe finds it) and a revision it controls. */
function dependents(id: string, dsUid: string): string {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `ev-${id}`, labels: { 'e2e-version': id } },
    involvedObject: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: `ds-${id}`, namespace: 'default', uid: dsUid },
    reason: 'E2ETesting',
    message: `hello from the e2e suite ${id}`,
    type: 'Normal',
    source: { component: 'e2e-suite' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 2,
  };
  const revision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `ds-${id}-rev1`,
      labels: { app: `ds-${id}`, 'e2e-version': id },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: `ds-${id}`, uid: dsUid, controller: true, blockOwnerDeletion: true }],
    },
    revision: 1,
    data: { spec: { template: { $patch: 'replace' } } },
  };
  return `${toYaml(event)}---\n${toYaml(revision)}`;
}

t.test('kubectl create -f - creates a DaemonSet, a pod, an event and a controller revision from one stream', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const first = await k(['create', '-f', '-'], { input: workloads(id) });
    t.equal(first.code, 0, show(first));
    t.equal(first.stdout, `daemonset.apps/ds-${id} created\npod/web-${id} created\n`);
    const uid = await k(['get', 'ds', `ds-${id}`, '-o', 'jsonpath={.metadata.uid}']);
    t.match(uid.stdout, /^[0-9a-f-]{36}$/, show(uid));
    const second = await k(['create', '-f', '-'], { input: dependents(id, uid.stdout) });
    t.equal(second.code, 0, show(second));
    t.equal(second.stdout, `event/ev-${id} created\ncontrollerrevision.apps/ds-${id}-rev1 created\n`);
  }),
);

t.test('kubectl version prints the client version and the server version', (t) =>
  forEachVersion(t, server, async (t, { version, k }) => {
    const served = (await (await fetch(`${server.url}/version`)).json()) as { gitVersion: string; major: string; minor: string };
    const r = await k(['version']);
    t.equal(r.code, 0, show(r));
    t.match(r.stdout, new RegExp(`Client Version: .*v${version.replace('.', '\\.')}\\.\\d+`), 'client version printed');
    t.ok(r.stdout.includes('Server Version: ') && r.stdout.includes(served.gitVersion), `server version ${served.gitVersion} printed:\n${r.stdout}`);
    const json = await k(['version', '-o', 'json']);
    t.equal(json.code, 0, show(json));
    const doc = JSON.parse(json.stdout) as { clientVersion: { major: string; minor: string }; serverVersion: { major: string; minor: string; gitVersion: string } };
    t.match(doc.clientVersion, { major: '1', minor: version.split('.')[1] });
    t.match(doc.serverVersion, { major: served.major, minor: served.minor, gitVersion: served.gitVersion });
  }),
);

t.test('kubectl api-resources lists every served kind with its short names, and -o wide adds the verbs', (t) =>
  forEachVersion(t, server, async (t, { k }) => {
    const r = await k(['api-resources']);
    t.equal(r.code, 0, show(r));
    const table = parseTable(r.stdout);
    t.same(table.headers, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const expected: Record<string, [string, string, string, string]> = {
      namespaces: ['ns', 'v1', 'false', 'Namespace'],
      nodes: ['no', 'v1', 'false', 'Node'],
      pods: ['po', 'v1', 'true', 'Pod'],
      events: ['ev', 'v1', 'true', 'Event'],
      daemonsets: ['ds', 'apps/v1', 'true', 'DaemonSet'],
      controllerrevisions: ['', 'apps/v1', 'true', 'ControllerRevision'],
      leases: ['', 'coordination.k8s.io/v1', 'true', 'Lease'],
    };
    for (const [name, [short, apiVersion, namespaced, kind]] of Object.entries(expected)) {
      t.same(row(table, name), { NAME: name, SHORTNAMES: short, APIVERSION: apiVersion, NAMESPACED: namespaced, KIND: kind }, `${name} row`);
    }
    const wide = await k(['api-resources', '-o', 'wide']);
    t.equal(wide.code, 0, show(wide));
    const wideTable = parseTable(wide.stdout);
    t.same(wideTable.headers, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
    const verbs = (name: string) => row(wideTable, name)?.VERBS.split(',').sort();
    t.same(verbs('pods'), ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    t.same(verbs('daemonsets'), ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    t.same(verbs('namespaces'), ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], 'namespaces have no deletecollection, as upstream');
    t.equal(row(wideTable, 'pods')?.CATEGORIES, 'all');
    t.equal(row(wideTable, 'daemonsets')?.CATEGORIES, 'all');
    t.equal(row(wideTable, 'nodes')?.CATEGORIES, '');
    const apps = await k(['api-resources', '--api-group=apps', '-o', 'name']);
    t.equal(apps.code, 0, show(apps));
    t.same(apps.stdout.trim().split('\n').sort(), ['controllerrevisions.apps', 'daemonsets.apps']);
  }),
);

t.test('kubectl get prints every kind with the upstream column headers', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const sel = `-l=e2e-version=${id}`;

    const nodes = await k(['get', 'nodes']);
    t.equal(nodes.code, 0, show(nodes));
    let table = parseTable(nodes.stdout);
    t.same(table.headers, COLUMNS.nodes, 'nodes columns');
    t.same(table.rows.map((r) => r.NAME), ['node-1', 'node-2', 'node-3']);
    for (const r of table.rows) {
      t.match(r, { STATUS: 'Ready', ROLES: '<none>', AGE, VERSION: /^v1\.\d+\.\d+/ }, `${r.NAME} row`);
    }

    const ns = await k(['get', 'namespaces']);
    t.equal(ns.code, 0, show(ns));
    table = parseTable(ns.stdout);
    t.same(table.headers, COLUMNS.namespaces, 'namespaces columns');
    for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) t.match(row(table, name), { STATUS: 'Active', AGE }, `${name} row`);

    const pods = await k(['get', 'pods', sel]);
    t.equal(pods.code, 0, show(pods));
    table = parseTable(pods.stdout);
    t.same(table.headers, COLUMNS.pods, 'pods columns');
    t.same(table.rows, [{ NAME: `web-${id}`, READY: '0/1', STATUS: 'Pending', RESTARTS: '0', AGE: table.rows[0]?.AGE }]);
    t.match(table.rows[0]?.AGE, AGE);

    const events = await k(['get', 'events', sel]);
    t.equal(events.code, 0, show(events));
    table = parseTable(events.stdout);
    t.same(table.headers, COLUMNS.events, 'events columns');
    t.match(table.rows, [{ 'LAST SEEN': AGE, TYPE: 'Normal', REASON: 'E2ETesting', OBJECT: `daemonset/ds-${id}`, MESSAGE: `hello from the e2e suite ${id}` }]);
    t.equal(table.rows.length, 1);

    const ds = await k(['get', 'daemonsets', sel]);
    t.equal(ds.code, 0, show(ds));
    table = parseTable(ds.stdout);
    t.same(table.headers, COLUMNS.daemonsets, 'daemonsets columns');
    t.equal(table.rows.length, 1);
    t.match(table.rows[0], { NAME: `ds-${id}`, DESIRED: '0', CURRENT: '0', READY: '0', 'UP-TO-DATE': '0', AVAILABLE: '0', 'NODE SELECTOR': 'e2e-target=none', AGE });

    const revisions = await k(['get', 'controllerrevisions', sel]);
    t.equal(revisions.code, 0, show(revisions));
    table = parseTable(revisions.stdout);
    t.same(table.headers, COLUMNS.controllerrevisions, 'controllerrevisions columns');
    t.match(table.rows, [{ NAME: `ds-${id}-rev1`, CONTROLLER: `daemonset.apps/ds-${id}`, REVISION: '1', AGE }]);
    t.equal(table.rows.length, 1);

    // Single objects (a one-row Table) and short names.
    const one = await k(['get', 'ds', `ds-${id}`]);
    t.equal(one.code, 0, show(one));
    t.same(parseTable(one.stdout).rows.map((r) => r.NAME), [`ds-${id}`]);
    const node = await k(['get', 'no', 'node-2']);
    t.equal(node.code, 0, show(node));
    t.match(parseTable(node.stdout).rows, [{ NAME: 'node-2', STATUS: 'Ready' }]);
    const po = await k(['get', 'po', `web-${id}`]);
    t.equal(po.code, 0, show(po));
    t.match(parseTable(po.stdout).rows, [{ NAME: `web-${id}`, STATUS: 'Pending' }]);

    // Several kinds at once, and an empty selection.
    const both = await k(['get', 'ds,pods', sel]);
    t.equal(both.code, 0, show(both));
    t.match(both.stdout, new RegExp(`^daemonset\\.apps/ds-${id}\\s`, 'm'));
    t.match(both.stdout, new RegExp(`^pod/web-${id}\\s`, 'm'));
    const none = await k(['get', 'pods', '-l', 'e2e-version=none']);
    t.equal(none.code, 0, show(none));
    t.equal(none.stdout, '');
    t.equal(none.stderr.trim(), 'No resources found in default namespace.');
    const all = await k(['get', 'pods', '-A', sel]);
    t.equal(all.code, 0, show(all));
    t.match(parseTable(all.stdout), { headers: ['NAMESPACE', ...COLUMNS.pods], rows: [{ NAMESPACE: 'default', NAME: `web-${id}` }] });
    const labels = await k(['get', 'pods', sel, '--show-labels']);
    t.match(parseTable(labels.stdout).rows, [{ NAME: `web-${id}`, LABELS: `e2e-version=${id}` }], show(labels));
  }),
);

t.test('kubectl get -o wide adds the priority-1 columns', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const sel = `-l=e2e-version=${id}`;
    const nodes = await k(['get', 'nodes', '-o', 'wide']);
    t.equal(nodes.code, 0, show(nodes));
    let table = parseTable(nodes.stdout);
    t.same(table.headers, WIDE_COLUMNS.nodes, 'nodes wide columns');
    for (const r of table.rows) {
      t.match(r, { 'INTERNAL-IP': /^\d+\.\d+\.\d+\.\d+$/, 'EXTERNAL-IP': '<none>', 'OS-IMAGE': /\S/, 'KERNEL-VERSION': /\S/, 'CONTAINER-RUNTIME': /^\w+:\/\/\S+$/ }, `${r.NAME} wide row`);
    }

    const ns = await k(['get', 'ns', '-o', 'wide']);
    t.equal(ns.code, 0, show(ns));
    t.same(parseTable(ns.stdout).headers, WIDE_COLUMNS.namespaces, 'namespaces wide columns');

    const pods = await k(['get', 'pods', sel, '-o', 'wide']);
    t.equal(pods.code, 0, show(pods));
    table = parseTable(pods.stdout);
    t.same(table.headers, WIDE_COLUMNS.pods, 'pods wide columns');
    t.match(table.rows, [{ NAME: `web-${id}`, READY: '0/1', STATUS: 'Pending', IP: '<none>', NODE: '<none>', 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>' }]);

    const events = await k(['get', 'events', sel, '-o', 'wide']);
    t.equal(events.code, 0, show(events));
    table = parseTable(events.stdout);
    t.same(table.headers, WIDE_COLUMNS.events, 'events wide columns');
    t.match(table.rows, [{ TYPE: 'Normal', REASON: 'E2ETesting', OBJECT: `daemonset/ds-${id}`, SUBOBJECT: '', SOURCE: 'e2e-suite', MESSAGE: `hello from the e2e suite ${id}`, 'FIRST SEEN': AGE, COUNT: '2', NAME: `ev-${id}` }]);

    const ds = await k(['get', 'ds', sel, '-o', 'wide']);
    t.equal(ds.code, 0, show(ds));
    table = parseTable(ds.stdout);
    t.same(table.headers, WIDE_COLUMNS.daemonsets, 'daemonsets wide columns');
    t.match(table.rows, [{ NAME: `ds-${id}`, DESIRED: INT, CONTAINERS: 'agent', IMAGES: 'busybox:1.36', SELECTOR: `app=ds-${id}` }]);

    const revisions = await k(['get', 'controllerrevisions', sel, '-o', 'wide']);
    t.equal(revisions.code, 0, show(revisions));
    table = parseTable(revisions.stdout);
    t.same(table.headers, WIDE_COLUMNS.controllerrevisions, 'controllerrevisions wide columns');
    t.match(table.rows, [{ NAME: `ds-${id}-rev1`, CONTROLLER: `daemonset.apps/ds-${id}`, REVISION: '1' }]);
  }),
);

t.test('kubectl get -o yaml prints each stored object with its defaults', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const yaml = async (...args: string[]) => {
      const r = await k(['get', ...args, '-o', 'yaml']);
      t.equal(r.code, 0, show(r));
      return parseYaml(r.stdout) as Record<string, any>;
    };
    const node = await yaml('node', 'node-1');
    t.match(node, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: /\S/, resourceVersion: /^\d+$/, labels: { 'kubernetes.io/hostname': 'node-1' } } });
    t.match(node.status.conditions.find((c: { type: string }) => c.type === 'Ready'), { status: 'True' });

    const ns = await yaml('namespace', 'default');
    t.match(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });

    const pod = await yaml('pod', `web-${id}`);
    t.match(pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${id}`, namespace: 'default', labels: { 'e2e-version': id } },
      spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' }] },
      status: { phase: 'Pending' },
    });

    const ev = await yaml('event', `ev-${id}`);
    t.match(ev, { apiVersion: 'v1', kind: 'Event', reason: 'E2ETesting', count: 2, involvedObject: { kind: 'DaemonSet', name: `ds-${id}` }, source: { component: 'e2e-suite' } });

    const ds = await yaml('ds', `ds-${id}`);
    t.match(ds, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: `ds-${id}`, namespace: 'default', generation: 1, labels: { e2e: 'basics' } },
      spec: {
        selector: { matchLabels: { app: `ds-${id}` } },
        revisionHistoryLimit: 10,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        template: { spec: { restartPolicy: 'Always', containers: [{ name: 'agent', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }] } },
      },
      status: { desiredNumberScheduled: 0, numberMisscheduled: 0, currentNumberScheduled: 0, numberReady: 0 },
    });

    const cr = await yaml('controllerrevision', `ds-${id}-rev1`);
    t.match(cr, { apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 1, metadata: { ownerReferences: [{ kind: 'DaemonSet', name: `ds-${id}`, uid: ds.metadata.uid, controller: true }] } });

    const list = await yaml('pods', `-l=e2e-version=${id}`);
    t.match(list, { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${id}` } }] });
    t.equal(list.items.length, 1);
  }),
);

t.test('kubectl get -o json prints lists and objects that parse with the expected fields', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const json = async (...args: string[]) => {
      const r = await k(['get', ...args, '-o', 'json']);
      t.equal(r.code, 0, show(r));
      try {
        return JSON.parse(r.stdout) as Record<string, any>;
      } catch (err) {
        t.fail(`-o json did not parse: ${String(err)}\n${show(r)}`);
        return {};
      }
    };
    const nodes = await json('nodes');
    t.match(nodes, { apiVersion: 'v1', kind: 'List' });
    t.same(nodes.items.map((n: any) => [n.kind, n.metadata.name]), [['Node', 'node-1'], ['Node', 'node-2'], ['Node', 'node-3']]);
    for (const n of nodes.items) t.match(n.status, { nodeInfo: { kubeletVersion: /^v1\./ }, addresses: [{ type: 'InternalIP' }], allocatable: { pods: /\d/ } });

    const nss = await json('namespaces');
    t.ok(['default', 'kube-system', 'kube-public', 'kube-node-lease'].every((n) => nss.items.some((i: any) => i.kind === 'Namespace' && i.metadata.name === n && i.status.phase === 'Active')), 'all four system namespaces, Active');

    const pods = await json('pods', `-l=e2e-version=${id}`);
    t.match(pods.items, [{ kind: 'Pod', metadata: { name: `web-${id}`, uid: /\S/ }, spec: { nodeSelector: { 'e2e-target': 'none' } }, status: { phase: 'Pending' } }]);
    t.equal(pods.items.length, 1);

    const events = await json('events', `-l=e2e-version=${id}`);
    t.match(events.items, [{ kind: 'Event', type: 'Normal', reason: 'E2ETesting', message: `hello from the e2e suite ${id}`, involvedObject: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: `ds-${id}`, namespace: 'default' } }]);

    const dss = await json('daemonsets', `-l=e2e-version=${id}`);
    t.match(dss.items, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: `ds-${id}`, generation: 1 }, spec: { template: { spec: { nodeSelector: { 'e2e-target': 'none' } } } } }]);
    t.equal(dss.items.length, 1);

    const revisions = await json('controllerrevisions', `-l=e2e-version=${id}`);
    t.match(revisions.items, [{ apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 1, data: { spec: { template: { $patch: 'replace' } } } }]);

    const ds = await json('ds', `ds-${id}`);
    t.match(ds, { kind: 'DaemonSet', metadata: { name: `ds-${id}`, creationTimestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, resourceVersion: /^\d+$/ } });
    const jsonpath = await k(['get', 'ds', `ds-${id}`, '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.spec.updateStrategy.type}']);
    t.equal(jsonpath.stdout, 'busybox:1.36 RollingUpdate', show(jsonpath));
    const names = await k(['get', 'ds,pods,controllerrevisions', `-l=e2e-version=${id}`, '-o', 'name']);
    t.equal(names.stdout, `daemonset.apps/ds-${id}\npod/web-${id}\ncontrollerrevision.apps/ds-${id}-rev1\n`, show(names));
  }),
);

t.test('kubectl describe node shows its conditions, addresses, capacity, pods and events', (t) =>
  forEachVersion(t, server, async (t, { k }) => {
    const r = await k(['describe', 'node', 'node-1']);
    t.equal(r.code, 0, show(r));
    const out = r.stdout;
    t.match(out, /^Name:\s+node-1$/m);
    t.match(out, /^Roles:\s+<none>$/m);
    t.match(out, /^Labels:\s+.*$/m);
    t.ok(out.includes('kubernetes.io/hostname=node-1'), 'hostname label');
    t.match(out, /^CreationTimestamp:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/m);
    t.match(out, /^Taints:\s+<none>$/m);
    t.match(out, /^Unschedulable:\s+false$/m);
    t.match(out, /^Conditions:\n\s+Type\s+Status\s+LastHeartbeatTime\s+LastTransitionTime\s+Reason\s+Message$/m);
    t.match(out, /^\s+Ready\s+True\s+/m);
    t.match(out, /^Addresses:\n\s+InternalIP:\s+\d+\.\d+\.\d+\.\d+\n\s+Hostname:\s+node-1$/m);
    t.match(out, /^Capacity:\n\s+cpu:\s+\d+/m);
    t.match(out, /^Allocatable:\n/m);
    t.match(out, /^System Info:\n/m);
    t.match(out, /^\s+Kubelet Version:\s+v1\.\d+\.\d+$/m);
    t.match(out, /^Non-terminated Pods:\s+\(\d+ in total\)$/m);
    t.match(out, /^Allocated resources:$/m);
    t.match(out, /^Events:\s+/m);
    t.equal(r.stderr, '', 'nothing on stderr');
  }),
);

t.test('kubectl describe pod shows its status, containers and events', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const r = await k(['describe', 'pod', `web-${id}`]);
    t.equal(r.code, 0, show(r));
    const out = r.stdout;
    t.match(out, new RegExp(`^Name:\\s+web-${id}$`, 'm'));
    t.match(out, /^Namespace:\s+default$/m);
    t.match(out, /^Node:\s+<none>$/m);
    t.match(out, new RegExp(`^Labels:\\s+e2e-version=${id}$`, 'm'));
    t.match(out, /^Status:\s+Pending$/m);
    t.match(out, /^Containers:\n\s+web:\n\s+Image:\s+nginx:1\.27$/m);
    t.match(out, /^QoS Class:\s+BestEffort$/m);
    t.match(out, /^Node-Selectors:\s+e2e-target=none$/m);
    t.match(out, /^Events:/m);
    t.equal(r.stderr, '', 'nothing on stderr');
  }),
);

t.test('kubectl describe daemonset shows its selector, scheduling counts, pod template and events', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const r = await k(['describe', 'ds', `ds-${id}`]);
    t.equal(r.code, 0, show(r));
    const out = r.stdout;
    t.match(out, new RegExp(`^Name:\\s+ds-${id}$`, 'm'));
    // kubectl 1.33 added a Namespace line to the DaemonSet describer; older versions print none.
    t.match(out, new RegExp(`^Name:\\s+ds-${id}\\n(Namespace:\\s+default\\n)?Selector:`, 'm'));
    t.match(out, new RegExp(`^Selector:\\s+app=ds-${id}$`, 'm'));
    t.match(out, /^Node-Selector:\s+e2e-target=none$/m);
    t.match(out, new RegExp(`^Labels:\\s+e2e=basics\\n\\s+e2e-version=${id}$`, 'm'));
    t.match(out, /^Desired Number of Nodes Scheduled: 0$/m);
    t.match(out, /^Current Number of Nodes Scheduled: 0$/m);
    t.match(out, /^Number of Nodes Scheduled with Up-to-date Pods: 0$/m);
    t.match(out, /^Number of Nodes Scheduled with Available Pods: 0$/m);
    t.match(out, /^Number of Nodes Misscheduled: 0$/m);
    t.match(out, /^Pods Status:\s+0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    t.match(out, new RegExp(`^Pod Template:\\n\\s+Labels:\\s+app=ds-${id}$`, 'm'));
    t.match(out, /^\s+agent:\n\s+Image:\s+busybox:1\.36$/m);
    // The event found through describe's involvedObject field selector (uid, name, namespace, kind).
    t.match(out, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n/m);
    t.match(out, new RegExp(`^\\s+Normal\\s+E2ETesting\\s+.*\\(x2 over .*\\)\\s+e2e-suite\\s+hello from the e2e suite ${id}$`, 'm'));
    t.equal(r.stderr, '', 'nothing on stderr');
  }),
);

t.test('kubectl prints the upstream Status errors for missing objects, unknown types and invalid DaemonSets', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const missing = await k(['get', 'ds', 'nosuch']);
    t.equal(missing.code, 1, show(missing));
    t.equal(missing.stdout, '');
    t.equal(missing.stderr, 'Error from server (NotFound): daemonsets.apps "nosuch" not found\n');

    const pod = await k(['get', 'pod', `nosuch-${id}`]);
    t.equal(pod.code, 1, show(pod));
    t.equal(pod.stderr, `Error from server (NotFound): pods "nosuch-${id}" not found\n`);

    const node = await k(['describe', 'node', 'nosuch']);
    t.equal(node.code, 1, show(node));
    t.equal(node.stderr, 'Error from server (NotFound): nodes "nosuch" not found\n');

    const ns = await k(['get', 'pods', '-n', 'nosuch-ns']);
    t.equal(ns.code, 0, show(ns));
    t.equal(ns.stderr, 'No resources found in nosuch-ns namespace.\n');

    const type = await k(['get', 'nosuchkind']);
    t.equal(type.code, 1, show(type));
    t.equal(type.stderr, 'error: the server doesn\'t have a resource type "nosuchkind"\n');

    const bad = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: `bad-${id}` },
      spec: {
        selector: { matchLabels: { app: 'one' } },
        template: { metadata: { labels: { app: 'two' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    };
    const invalid = await k(['create', '-f', '-'], { input: JSON.stringify(bad) });
    t.equal(invalid.code, 1, show(invalid));
    t.equal(invalid.stdout, '');
    t.ok(invalid.stderr.startsWith(`The DaemonSet "bad-${id}" is invalid: spec.template.metadata.labels: Invalid value: `), invalid.stderr);
    t.match(invalid.stderr, /`selector` does not match template `labels`/);
    const absent = await k(['get', 'ds', `bad-${id}`]);
    t.equal(absent.code, 1, 'the invalid DaemonSet was not stored');

    const noImage = { ...bad, metadata: { name: `noimage-${id}` }, spec: { ...bad.spec, template: { metadata: { labels: { app: 'one' } }, spec: { containers: [{ name: 'c' }] } } } };
    const required = await k(['create', '-f', '-'], { input: JSON.stringify(noImage) });
    t.equal(required.code, 1, show(required));
    t.equal(required.stderr, `The DaemonSet "noimage-${id}" is invalid: spec.template.spec.containers[0].image: Required value\n`);
  }),
);
