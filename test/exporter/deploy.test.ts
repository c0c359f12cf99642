/**
 * deploy/kubernetes validated offline against the Kubernetes API schemas (kubernetes-models: the OpenAPI schemas of
 * Kubernetes 1.27 compiled to JSON-schema validators; @kubernetes-models/prometheus-operator for ServiceMonitor),
 * plus what the exporter needs of them: the mounts `--root /host` reads, read-only, the capabilities said in the
 * docs, the port the Service and ServiceMonitor name. A broken manifest must fail (a negative case).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { loadManifest, type Obj } from './manifests.js';

const validators: Record<string, (o: Obj) => void> = {
  'apps/v1/DaemonSet': (o) => new DaemonSet(o as never).validate(),
  'v1/Service': (o) => new Service(o as never).validate(),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => new ServiceMonitor(o as never).validate(),
};

test('deploy/kubernetes: every object validates against its API schema', () => {
  const kinds: string[] = [];
  for (const f of ['daemonset.yaml', 'service.yaml', 'servicemonitor.yaml']) {
    for (const o of loadManifest(f)) {
      const k = `${o.apiVersion}/${o.kind}`;
      assert.ok(validators[k], `${f}: unexpected ${k}`);
      validators[k](o);
      kinds.push(k);
    }
  }
  assert.deepEqual(kinds.sort(), Object.keys(validators).sort());
});

test('deploy/kubernetes: a broken manifest is refused by the schema', () => {
  const [ds] = loadManifest('daemonset.yaml');
  const bad = structuredClone(ds);
  bad.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = 'yes';
  assert.throws(() => new DaemonSet(bad as never).validate(), /readOnlyRootFilesystem/);
  const bad2 = structuredClone(ds);
  bad2.spec.template.spec.containers[0].resources.requests.cpu = { much: true };
  assert.throws(() => new DaemonSet(bad2 as never).validate());
});

test('deploy/kubernetes: the DaemonSet runs the exporter as the docs say', () => {
  const [ds] = loadManifest('daemonset.yaml');
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(pod.hostPID, true);
  assert.deepEqual(c.command.slice(-4), ['/app/bin/nsx', '--root', '/host', 'exporter']);
  assert.equal(c.command[0], 'node');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext.privileged, false);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'], add: ['SYS_PTRACE'] });
  const vols = new Map<string, string>(pod.volumes.map((v: Obj) => [v.name, v.hostPath.path]));
  for (const m of c.volumeMounts) {
    assert.equal(m.readOnly, true, `${m.name} read-only`);
    assert.equal(m.mountPath, join('/host', vols.get(m.name)!), `${m.name}: the host path under --root /host`);
  }
  assert.ok(vols.get('proc') === '/proc' && vols.get('sys') === '/sys');
  // requests sized from the benchmark (docs/exporter.md): at most cAdvisor's 150m / 200Mi
  assert.ok(parseInt(c.resources.requests.cpu) <= 150);
  assert.ok(parseInt(c.resources.requests.memory) <= 200);
  const port = c.ports.find((p: Obj) => p.name === 'metrics');
  assert.equal(port.containerPort, 9587);
  assert.deepEqual(c.args.slice(0, 2), ['--listen', ':9587']);
  const [svc] = loadManifest('service.yaml');
  assert.equal(svc.spec.ports[0].targetPort, 'metrics');
  assert.equal(svc.metadata.annotations['prometheus.io/port'], '9587');
  assert.deepEqual(svc.spec.selector, ds.spec.selector.matchLabels);
  const [sm] = loadManifest('servicemonitor.yaml');
  assert.equal(sm.spec.endpoints[0].port, 'metrics');
  assert.deepEqual(sm.spec.selector.matchLabels, svc.metadata.labels);
});

test('deploy: the DaemonSet, the Dockerfile and the benchmark run the exporter with the same Node flags', async () => {
  const [ds] = loadManifest('daemonset.yaml');
  const { readDockerfile, nodeFlagsOf } = await import('./dockerfile.js');
  const { entrypoint } = readDockerfile();
  assert.deepEqual(ds.spec.template.spec.containers[0].command, entrypoint);
  const { NODE_FLAGS } = await import('../../bench/exporter.js');
  if (process.env.NSX_BENCH_NODE_FLAGS === undefined) assert.deepEqual(NODE_FLAGS, nodeFlagsOf(entrypoint));
  assert.ok(nodeFlagsOf(entrypoint).some((f) => f.startsWith('--max-old-space-size=')), 'a bounded old space');
});
