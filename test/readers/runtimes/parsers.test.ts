/** Pure parsers of the runtimes' metadata files, on literal strings (malformed input included). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dockerMeta, parseDockerConfig, parseDockerDaemonJson, parseDockerHostConfig } from '../../../src/readers/runtimes/docker.js';
import { parseOciConfig, parseStorageConf, parseStorageContainers, parseStorageImages } from '../../../src/readers/runtimes/storage.js';
import { cgroupsPathToCgroup, containerdMeta, slicePath } from '../../../src/readers/runtimes/containerd.js';
import { kubernetesMeta, parsePodLogDir } from '../../../src/readers/runtimes/kubernetes.js';
import { parseLxcConfig, parseMachineFile } from '../../../src/readers/runtimes/machines.js';

test('docker: config.v2.json, hostconfig.json, daemon.json; dockershim labels name the pod', () => {
  const c = parseDockerConfig('{"ID":"ab","Name":"/web","Image":"sha256:1","Config":{"Image":"nginx:1.25","Labels":{"com.docker.compose.project":"shop","n":5}},"State":{"Running":true,"Pid":42}}')!;
  assert.deepEqual(c, { id: 'ab', name: 'web', image: 'nginx:1.25', labels: { 'com.docker.compose.project': 'shop' }, running: true, pid: 42 });
  assert.deepEqual(dockerMeta(c), { runtime: 'docker', name: 'web', image: 'nginx:1.25', compose: { project: 'shop' } });
  assert.equal(parseDockerConfig('{"Name":"/"}')!.name, undefined);
  assert.equal(parseDockerConfig('{"Image":"sha256:9"}')!.image, 'sha256:9');
  for (const bad of ['', 'null', '[]', '{"Name":', '"x"']) assert.equal(parseDockerConfig(bad), undefined, bad);
  assert.deepEqual(parseDockerHostConfig('{"CgroupParent":"/x"}'), { cgroupParent: '/x' });
  assert.deepEqual(parseDockerHostConfig('{"CgroupParent":""}'), {});
  assert.deepEqual(parseDockerDaemonJson('{"data-root":"/srv/docker"}'), { dataRoot: '/srv/docker' });
  assert.deepEqual(parseDockerDaemonJson('{"graph":"relative"}'), {});
  const shim = dockerMeta(parseDockerConfig(JSON.stringify({ Name: '/k8s_app_web-1_prod_u1_0', Config: { Image: 'app:1', Labels: { 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'app' } } }))!);
  assert.deepEqual(shim, { runtime: 'docker', name: 'app', image: 'app:1', pod: { namespace: 'prod', name: 'web-1', uid: 'u1' } });
});

test('containers/storage: containers.json, images.json, storage.conf, OCI config.json', () => {
  const cs = parseStorageContainers(JSON.stringify([{ id: 'a1', names: ['cache', 7], image: 'i1', metadata: '{"image-name":"redis:7","name":"cache","pod-name":"p"}' }, { id: 5 }, null, { id: 'b2', metadata: 'not json' }]));
  assert.deepEqual(cs, [
    { id: 'a1', names: ['cache'], imageId: 'i1', imageName: 'redis:7', metaName: 'cache', podName: 'p' },
    { id: 'b2', names: [], imageId: undefined, imageName: undefined, metaName: undefined, podName: undefined },
  ]);
  assert.deepEqual(parseStorageContainers('{}'), []);
  assert.deepEqual([...parseStorageImages('[{"id":"i1","names":["redis:7"]},{"id":"i2","names":[]},{}]')], [['i1', 'redis:7']]);
  assert.deepEqual(parseStorageConf('[storage]\ndriver = "overlay"\nrunroot = "/run/x"\n  graphroot = \'/srv/c\'\n# graphroot = "/no"\n'), { runroot: '/run/x', graphroot: '/srv/c' });
  assert.deepEqual(parseOciConfig('{"hostname":"h","annotations":{"a":"b","n":1},"linux":{"cgroupsPath":"/x/y"}}'), { annotations: { a: 'b' }, cgroupsPath: '/x/y', hostname: 'h' });
  assert.equal(parseOciConfig('[1]'), undefined);
});

test('containerd: cgroupsPath forms, slice paths, task metadata', () => {
  assert.equal(cgroupsPathToCgroup('/default/job'), '/default/job');
  assert.equal(cgroupsPathToCgroup('/x/'), '/x');
  assert.equal(cgroupsPathToCgroup('kubepods-besteffort-pod1_2.slice:cri-containerd:abc'), '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1_2.slice/cri-containerd-abc.scope');
  assert.equal(cgroupsPathToCgroup('system.slice:docker:abc'), '/system.slice/docker-abc.scope');
  assert.equal(cgroupsPathToCgroup(':nerdctl:abc'), '/system.slice/nerdctl-abc.scope');
  assert.equal(cgroupsPathToCgroup(''), undefined);
  assert.equal(slicePath('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(slicePath('-.slice'), '');
  assert.deepEqual(containerdMeta({ namespace: 'moby', id: 'x', annotations: {} }), { runtime: 'docker', namespace: 'moby' });
  assert.deepEqual(containerdMeta({ namespace: 'default', id: 'job', annotations: {} }), { runtime: 'containerd', namespace: 'default', name: 'job' });
  assert.deepEqual(containerdMeta({ namespace: 'default', id: 'f'.repeat(64), annotations: {} }), { runtime: 'containerd', namespace: 'default' });
  assert.deepEqual(containerdMeta({ namespace: 'default', id: 'f'.repeat(64), annotations: { 'nerdctl/name': 'web' } }), { runtime: 'containerd', namespace: 'default', name: 'web' });
  fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
    const c = cgroupsPathToCgroup(s);
    assert.ok(c === undefined || c.startsWith('/') || c === '');
  }), { numRuns: 300 });
});

test('kubernetes: /var/log/pods names, annotations of each runtime', () => {
  assert.deepEqual(parsePodLogDir('kube-system_coredns-5d78c9869d-8xk2p_7a96c459-d529-44ae-9f99-90d3798d6426'), { namespace: 'kube-system', name: 'coredns-5d78c9869d-8xk2p', uid: '7a96c459-d529-44ae-9f99-90d3798d6426' });
  for (const bad of ['', 'x', 'a_b', '_a_b', 'a__b', 'a_b_']) assert.equal(parsePodLogDir(bad), undefined, bad);
  assert.equal(kubernetesMeta({}), undefined);
  assert.deepEqual(kubernetesMeta({ 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-name': 'p', 'io.kubernetes.cri.sandbox-namespace': 'n' }), { pod: { namespace: 'n', name: 'p' }, sandbox: true });
  assert.deepEqual(kubernetesMeta({ 'io.kubernetes.pod.name': 'p', 'io.kubernetes.container.name': 'c', 'io.kubernetes.cri-o.ImageName': 'img' }), { name: 'c', image: 'img', pod: { name: 'p' } });
});

test('LXC config and machined files', () => {
  assert.deepEqual(parseLxcConfig('# Parameters passed to the template: --dist ubuntu --release jammy\nlxc.rootfs.path = dir:/r\n'), { image: 'ubuntu:jammy' });
  assert.deepEqual(parseLxcConfig('lxc.rootfs.path = dir:/r\nlxc.uts.name = web\n'), { image: 'dir:/r', utsname: 'web' });
  assert.deepEqual(parseLxcConfig('\0garbage'), {});
  assert.deepEqual(parseMachineFile('NAME=m\nROOT=/var/lib/machines/m\nbroken\n=x\n'), { NAME: 'm', ROOT: '/var/lib/machines/m' });
});

test('podman bolt_state.db: compose labels, pod name, image; absent or damaged → undefined', async () => {
  const { podmanDbContainer } = await import('../../../src/readers/runtimes/podman-db.js');
  const fake = (vals: Record<string, string>) => ({ get: (path: readonly string[], key: string) => vals[`${path.join('/')}:${key}`] }) as never;
  const db = fake({
    'ctr/c1:config': JSON.stringify({ name: 'web', pod: 'p1', rootfsImageName: 'docker.io/library/nginx:1', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } }),
    'pod/p1:config': JSON.stringify({ name: 'shop-pod' }),
    'ctr/c2:config': '{"name":"x","labels":{"io.podman.compose.project":"p2"}}',
    'ctr/c3:config': 'not json',
  });
  assert.deepEqual(podmanDbContainer(db, 'c1'), { compose: { project: 'shop', service: 'web' }, pod: { uid: 'p1', name: 'shop-pod' }, image: 'docker.io/library/nginx:1' });
  assert.deepEqual(podmanDbContainer(db, 'c2'), { compose: { project: 'p2' } });
  assert.deepEqual(podmanDbContainer(db, 'c3'), {});
  assert.equal(podmanDbContainer(db, 'nope'), undefined);
  assert.equal(podmanDbContainer(undefined, 'c1'), undefined);
  const broken = { get: () => { throw new RangeError('page outside'); } } as never;
  assert.equal(podmanDbContainer(broken, 'c1'), undefined);
});
