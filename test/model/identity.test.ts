/**
 * Container/unit identity from cgroup paths: every path form of the conformance corpus (neuvector, coroot, elastic
 * captures copied into fixtures/identity/) plus literal forms the corpus lacks (nspawn, podman, LXC, guaranteed pods).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { fixture } from '../helpers/host.js';
import { identifyCgroupPath, identifyCgroupPaths, unescapeSystemd, type Identity } from '../../src/model/identity.js';

type Want = Partial<Identity> | undefined;

/** `/proc/PID/cgroup` lines → paths, v2 and name=systemd first (split on the first two colons only). */
function cgroupPaths(text: string): string[] {
  const rows = text.split('\n').filter(Boolean).map((l) => {
    const a = l.indexOf(':');
    const b = l.indexOf(':', a + 1);
    return { ctl: l.slice(a + 1, b), path: l.slice(b + 1) };
  });
  const pref = (c: string) => (c === '' ? 0 : c === 'name=systemd' ? 1 : 2);
  return rows.sort((x, y) => pref(x.ctl) - pref(y.ctl)).map((r) => r.path);
}

function check(got: Identity | undefined, want: Want, what: string): void {
  if (want === undefined) {
    assert.equal(got, undefined, `${what}: expected nothing, got ${JSON.stringify(got)}`);
    return;
  }
  assert.ok(got, `${what}: expected ${JSON.stringify(want)}, got nothing`);
  for (const [k, v] of Object.entries(want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], v, `${what}: ${k}`);
}

const NV = 'neuvector-';
/** One expectation per captured /proc/PID/cgroup file (the whole file → the most specific identity). */
const FILES: Record<string, Want> = {
  [`${NV}TestContainerd_Container_Cgroupv2`]: { runtime: 'containerd', kind: 'container', id: '25d057a4c6c9555f2a0eb106e8896968c28f1c44aca4754174851aca7f89ad26', shortId: '25d057a4c6c9', podUid: '9493223b-520e-4a97-a45f-359dcf967006', qos: 'besteffort', label: 'containerd:25d057a4c6c9' },
  [`${NV}TestCrio_CPath_Cgroupv2`]: { runtime: 'cri-o', kind: 'container', id: 'f33f47b0db740bb647cb3e7ac62d96c74966dbb99cbfaf4563bfd42d387e8b44', podUid: '042efd86-1f3b-4f2f-8736-f31c58e95bbc', qos: 'burstable' },
  [`${NV}TestCrio_Container_Cgroupv2`]: { runtime: 'cri-o', kind: 'container', id: 'f33f47b0db740bb647cb3e7ac62d96c74966dbb99cbfaf4563bfd42d387e8b44', qos: 'burstable' },
  [`${NV}TestCrio_Container_SelfProbe_Cgroupv2`]: { runtime: 'cri-o', kind: 'container', id: '7b05b98b56047ad0e02e55f4e6bcffbcdc436340179a9c05908df1e5d4f0710d', podUid: '395f906e-7c77-4c83-9472-361ea8819cea', qos: 'besteffort' },
  [`${NV}TestCrio_Host_Proc1_Cgroupv2`]: { runtime: 'systemd', kind: 'unit', id: 'init.scope', label: 'init.scope' },
  [`${NV}TestCrio_Host_ProcAny_Cgroupv2`]: undefined,
  [`${NV}TestDockerIDCentOS`]: { runtime: 'docker', kind: 'container', id: '9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d', unit: 'docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope', slice: 'system.slice', podUid: undefined },
  [`${NV}TestDockerIDDebian`]: { runtime: 'docker', kind: 'container', id: '4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970', cgroup: '/4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970' },
  [`${NV}TestDockerIDKubepods`]: { runtime: 'kubernetes', kind: 'container', id: 'cb1eadb7abe3a6545e9856411207073277838e1bdc003337c2f8685faeedc32c', podUid: '74ba62da-1a3d-11e7-bb11-080027cb0e22', qos: 'besteffort' },
  [`${NV}TestDockerIDKubepods2`]: { runtime: 'docker', kind: 'container', id: 'b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70', podUid: '045b1e35-7f13-11e7-ac42-0050568ffca0', qos: 'besteffort' },
  [`${NV}TestDockerIDKubepods3`]: { runtime: 'kubernetes', kind: 'container', id: 'da31e536c8d61304a6d5998d163d12400a7a9a1003e1d86369e8fadb022fc17d', podUid: '1fe19bf5-e8ef-11e8-900c-52daee5a874d', qos: 'besteffort' },
  [`${NV}TestDockerIDRancherOS`]: { runtime: 'docker', kind: 'container', id: 'ec08435e04266c5ba381fccbb829f626d11d8ddf5f8f547263c7a2d79ab4787a', cgroup: '/docker/a9a5ad238e59234193ee7ec3fcff5e735b3708ea1068826952255b69e3cfa413/docker/ec08435e04266c5ba381fccbb829f626d11d8ddf5f8f547263c7a2d79ab4787a' },
  [`${NV}TestDockerIDUbuntu`]: { runtime: 'docker', kind: 'container', id: '31cb02944da7a12196a193cf0e0f6c226d7c453a1db62e65ba98287593a2ee30', shortId: '31cb02944da7', cgroup: '/docker/31cb02944da7a12196a193cf0e0f6c226d7c453a1db62e65ba98287593a2ee30' },
  [`${NV}TestDockerK8s_CPath_Container_Cgroupv2`]: { runtime: 'docker', kind: 'container', id: '2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f', podUid: 'fd698699-eabf-4c23-92ef-cf0bbdb78261', qos: 'besteffort' },
  [`${NV}TestDockerK8s_CPath_SelfProbe_Cgroupv2`]: undefined,
  [`${NV}TestDockerK8s_Container_SelfProbe_Cgroupv2`]: undefined,
  [`${NV}TestDockerK8s_Ubuntu_Container_Cgroupv2`]: { runtime: 'docker', kind: 'container', id: '2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f', podUid: 'fd698699-eabf-4c23-92ef-cf0bbdb78261' },
  [`${NV}TestDockerNative_Container_Cgroupv2`]: { runtime: 'docker', kind: 'container', id: '1f1d6e2d4940ddac13abd421a2617992bf89f0e0f9a902ed58278c5f843e9ae7', cgroup: '/docker-1f1d6e2d4940ddac13abd421a2617992bf89f0e0f9a902ed58278c5f843e9ae7.scope' },
  [`${NV}TestDocker_Host_Proc1_Cgroupv2`]: { runtime: 'systemd', kind: 'unit', id: 'init.scope' },
  [`${NV}TestDocker_Host_ProcAny_Cgroupv2`]: undefined,
  [`${NV}TestHostProcess`]: undefined,
  [`${NV}TestK8sBottleRocket`]: { runtime: 'containerd', kind: 'container', id: 'f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830', podUid: 'dd1bf9d1-241d-47f5-8e25-12de83135812', qos: 'besteffort' },
  [`${NV}TestK8sContainerd_v1_2_13`]: { runtime: 'kubernetes', kind: 'container', id: '5dd96d5394ca930a854a390ea46f7515a8bc930123eb3251ba20f2708a38fc61', podUid: 'a36d0c1d-0b26-4451-8d80-9c195e004afa', qos: 'besteffort' },
  [`${NV}TestK8sContainerd_v1_4_4`]: { runtime: 'containerd', kind: 'container', id: 'd3d8ccf5cca91931c6285c1d7472c413dd5a7700fddc0aa9f89a9ac7008b003e', podUid: '2105e389-7471-476e-a50f-6074cef29bbd', qos: 'besteffort' },
  [`${NV}TestK8sCrio_v1_17`]: { runtime: 'cri-o', kind: 'container', id: '7a1fd6fe8cdfbd44dc78c4cc85dad7031eaab4365801684cad0aabdeaf863f9e', podUid: '487a0dc6dccaeefbcfedba7a7ce1ca18', qos: 'burstable' },
  [`${NV}TestK8sCrio_v1_19`]: { runtime: 'cri-o', kind: 'container', id: 'd6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607', podUid: '8ca306fa-3c03-47fa-97dd-19979c345572', qos: 'besteffort' },
  [`${NV}TestK8sProxyProcess`]: { runtime: 'kubernetes', kind: 'container', id: 'c04e0a88a1de067f25bece337d4dbb897396e0b623c2a65330850fc9823f1903', podUid: 'f8a694f2-7c08-11e9-98da-000c29077430', subpath: '/kube-proxy' },
  [`${NV}TestNsEnterProcess`]: { runtime: 'systemd', kind: 'unit', id: 'c2.session' },
  'coroot-proc-100': { runtime: 'systemd', kind: 'unit', id: 'docker.service', slice: 'system.slice' },
  'coroot-proc-1000': { runtime: 'systemd', kind: 'unit', id: 'getty@tty1.service', slice: 'system-getty.slice' },
  'coroot-proc-200': { runtime: 'docker', kind: 'container', id: 'b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f' },
  'coroot-proc-2000': { runtime: 'kubernetes', kind: 'container', id: '95cbe853416f52d927dec41f1406dd75015ea131244a1ca875a7cd4ebe927ac8', podUid: '8833712d-6e69-4f5c-95f3-aebd020ce2e7', qos: 'burstable' },
  'coroot-proc-300': { runtime: 'kubernetes', kind: 'container', id: '17db96a24ae1e9dd57143e62b1cb0d2d35e693c65c774c7470e87b0572e07c1a', podUid: '6a4ce4a0-ba47-11ea-b2a7-0cc47ac5979e', qos: 'burstable' },
  'coroot-proc-3000': { runtime: 'lxc', kind: 'container', id: 'first', cgroup: '/lxc.payload.first', subpath: '/system.slice/systemd-logind.service', label: 'lxc:first' },
  'coroot-proc-400': { runtime: 'docker', kind: 'container', id: '73051af271105c07e1f493b34856a77e665e3b0b4fc72f76c807dfbffeb881bd', podUid: '8712f785-1a3e-41ec-a00b-e2dcc77431cb', qos: 'besteffort' },
  'coroot-proc-500': { runtime: 'docker', kind: 'container', id: 'ba7b10d15d16e10e3de7a2dcd408a3d971169ae303f46cfad4c5453c6326fee2', cgroup: '/system.slice/docker-ba7b10d15d16e10e3de7a2dcd408a3d971169ae303f46cfad4c5453c6326fee2.scope' },
  'coroot-proc-550': { runtime: 'systemd', kind: 'unit', id: 'ssh.service' },
  'coroot-proc-600': { runtime: 'systemd', kind: 'unit', id: 'springboot.service' },
  'coroot-proc-700': undefined, // Talos /podruntime/runtime: not a form nsx names
  'coroot-proc-800': { runtime: 'docker', kind: 'container', id: 'cf87ba651579c9231db817909e7865e5747bd7abcac0c57ce23cf4abbaee046b' },
  'coroot-proc-900': { runtime: 'systemd', kind: 'unit', id: 'python-app.service' },
  'elastic-amzn2-zip-1': undefined,
  'elastic-amzn2-zip-493239': { runtime: 'containerd', kind: 'container', id: '1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496', podUid: '7a96c459-d529-44ae-9f99-90d3798d6426', qos: 'burstable', slice: 'kubepods-burstable.slice' },
  'elastic-docker-zip-1': { runtime: 'docker', kind: 'container', id: '123', shortId: '123' },
  'elastic-docker-zip-312': { runtime: 'docker', kind: 'container', id: '1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039' },
  'elastic-docker-zip-985': { runtime: 'docker', kind: 'container', id: 'b29faf21b7eff959f64b4192c34d5d67a707fe8561e9eaa608cb27693fba4242' },
  'elastic-docker2-zip-2233801': { runtime: 'systemd', kind: 'unit', id: 'session-520.scope', slice: 'user-1000.slice', cgroup: '/user-1000.slice/session-520.scope' },
  'elastic-ubuntu1804-zip-3757': { runtime: 'systemd', kind: 'unit', id: 'networkd-dispatcher.service', slice: 'system.slice' },
};

test('identity: every captured /proc/PID/cgroup in fixtures/identity has an expectation, and meets it', () => {
  const files = readdirSync(fixture('identity')).filter((f) => f.endsWith('.cgroup')).map((f) => f.slice(0, -'.cgroup'.length));
  assert.ok(files.length >= 48);
  for (const f of files) {
    assert.ok(f in FILES, `no expectation for ${f}`);
    const paths = cgroupPaths(readFileSync(fixture('identity', `${f}.cgroup`), 'utf8'));
    check(identifyCgroupPaths(paths), FILES[f], f);
  }
});

test('identity: each line of a container file names the same container (every hierarchy, both drivers)', () => {
  for (const [f, want] of Object.entries(FILES)) {
    if (want?.kind !== 'container') continue;
    for (const p of cgroupPaths(readFileSync(fixture('identity', `${f}.cgroup`), 'utf8'))) {
      const got = identifyCgroupPath(p);
      if (got?.kind !== 'container') continue; // `/`, `/reserved.slice/containerd.service`, …
      check(got, { runtime: want.runtime, id: want.id }, `${f}: ${p}`);
    }
  }
});

test('identity: the v1 systemd-driver containerd form at both places neuvector captured', () => {
  const id = 'd3d8ccf5cca91931c6285c1d7472c413dd5a7700fddc0aa9f89a9ac7008b003e';
  for (const p of [
    `/kubepods-besteffort-pod2105e389_7471_476e_a50f_6074cef29bbd.slice:cri-containerd:${id}`,
    `/system.slice/containerd.service/kubepods-besteffort-pod2105e389_7471_476e_a50f_6074cef29bbd.slice:cri-containerd:${id}`,
  ]) {
    check(identifyCgroupPath(p), { runtime: 'containerd', kind: 'container', id, podUid: '2105e389-7471-476e-a50f-6074cef29bbd', qos: 'besteffort' }, p);
  }
});

/** Cgroup directories of the captured cgroupfs trees (elastic, coroot): each level names its own object. */
const DIRS: Record<string, Want> = {
  '/': undefined,
  '/docker': undefined,
  '/kubepods.slice': { runtime: 'systemd', kind: 'slice', id: 'kubepods.slice' },
  '/kubepods.slice/kubepods-besteffort.slice': { runtime: 'systemd', kind: 'slice', id: 'kubepods-besteffort.slice', slice: 'kubepods.slice' },
  '/kubepods.slice/kubepods-burstable.slice': { runtime: 'systemd', kind: 'slice', id: 'kubepods-burstable.slice' },
  '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod8712f785_1a3e_41ec_a00b_e2dcc77431cb.slice': { runtime: 'kubernetes', kind: 'pod', id: '8712f785-1a3e-41ec-a00b-e2dcc77431cb', podUid: '8712f785-1a3e-41ec-a00b-e2dcc77431cb', qos: 'besteffort', label: 'pod:8712f785-1a3e-41ec-a00b-e2dcc77431cb' },
  '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice': { runtime: 'kubernetes', kind: 'pod', id: '7a96c459-d529-44ae-9f99-90d3798d6426', qos: 'burstable' },
  '/system.slice': { runtime: 'systemd', kind: 'slice', id: 'system.slice' },
  '/system.slice/docker.service': { runtime: 'systemd', kind: 'unit', id: 'docker.service' },
  '/system.slice/ssh.service': { runtime: 'systemd', kind: 'unit', id: 'ssh.service' },
  '/system.slice/networkd-dispatcher.service': { runtime: 'systemd', kind: 'unit', id: 'networkd-dispatcher.service' },
  '/user.slice': { runtime: 'systemd', kind: 'slice', id: 'user.slice' },
  '/user.slice/user-1000.slice': { runtime: 'systemd', kind: 'slice', id: 'user-1000.slice', slice: 'user.slice' },
  '/user.slice/user-1000.slice/session-520.scope': { runtime: 'systemd', kind: 'unit', id: 'session-520.scope', slice: 'user-1000.slice' },
};

test('identity: every cgroup directory of the captured trees (fixtures/identity/cgroup-dirs.tsv)', () => {
  const rows = readFileSync(fixture('identity', 'cgroup-dirs.tsv'), 'utf8').split('\n').filter(Boolean);
  assert.ok(rows.length >= 20);
  for (const row of rows) {
    const [src, p] = row.split('\t');
    const got = identifyCgroupPath(p);
    const m = /(docker-|cri-containerd-|\/docker\/)([0-9a-f]{64})/.exec(p);
    if (m) {
      check(got, { kind: 'container', runtime: m[1] === 'cri-containerd-' ? 'containerd' : 'docker', id: m[2], cgroup: p }, `${src} ${p}`);
    } else {
      assert.ok(p in DIRS, `no expectation for ${p} (${src})`);
      check(got, DIRS[p], `${src} ${p}`);
    }
  }
});

/** Forms the corpus does not contain, written from the runtimes' documented layouts. */
const LITERAL: [string, Want][] = [
  ['/kubepods.slice/kubepods-pod0d4e5b1c_8a2f_4c11_9d3e_123456789abc.slice', { runtime: 'kubernetes', kind: 'pod', id: '0d4e5b1c-8a2f-4c11-9d3e-123456789abc', qos: 'guaranteed' }],
  ['/kubepods/pod0d4e5b1c-8a2f-4c11-9d3e-123456789abc/' + 'a'.repeat(64), { runtime: 'kubernetes', kind: 'container', id: 'a'.repeat(64), qos: 'guaranteed', podUid: '0d4e5b1c-8a2f-4c11-9d3e-123456789abc' }],
  ['/kubepods/burstable/pod0d4e5b1c-8a2f-4c11-9d3e-123456789abc', { kind: 'pod', qos: 'burstable' }],
  ['/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod11_22.slice/cri-containerd-' + 'b'.repeat(64) + '.scope', { runtime: 'containerd', kind: 'container', podUid: '11-22' }],
  ['/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod11_22.slice/crio-conmon-' + 'c'.repeat(64) + '.scope', { runtime: 'kubernetes', kind: 'pod', id: '11-22' }],
  ['/machine.slice/libpod-' + 'd'.repeat(64) + '.scope', { runtime: 'podman', kind: 'container', id: 'd'.repeat(64), slice: 'machine.slice' }],
  ['/machine.slice/libpod-' + 'd'.repeat(64) + '.scope/container', { runtime: 'podman', kind: 'container', subpath: '/container' }],
  ['/machine.slice/libpod-conmon-' + 'd'.repeat(64) + '.scope', { runtime: 'systemd', kind: 'unit' }],
  ['/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-' + 'e'.repeat(64) + '.scope', { runtime: 'podman', kind: 'container', id: 'e'.repeat(64) }],
  ['/libpod_parent/libpod-' + 'f'.repeat(64), { runtime: 'podman', kind: 'container', id: 'f'.repeat(64) }],
  ['/machine.slice/machine-libpod_pod_' + '1'.repeat(64) + '.slice/libpod-' + '2'.repeat(64) + '.scope', { runtime: 'podman', kind: 'container', id: '2'.repeat(64), podUid: '1'.repeat(64) }],
  ['/machine.slice/machine-web\\x2d1.scope', { runtime: 'nspawn', kind: 'machine', id: 'web-1', label: 'machine:web-1', unit: 'machine-web\\x2d1.scope' }],
  ['/machine.slice/systemd-nspawn@debian.service/payload/system.slice/foo.service', { runtime: 'nspawn', kind: 'machine', id: 'debian' }],
  ['/lxc/web', { runtime: 'lxc', kind: 'container', id: 'web' }],
  ['/lxc.monitor.web', undefined],
  ['/system.slice/nerdctl-' + '3'.repeat(64) + '.scope', { runtime: 'containerd', kind: 'container' }],
  ['/kubepods/besteffort/pod11-22/crio-' + '4'.repeat(64), { runtime: 'cri-o', kind: 'container', podUid: '11-22', qos: 'besteffort' }],
  ['/system.slice/docker-abc.scope', { runtime: 'systemd', kind: 'unit' }], // too short to be a container id
  ['/-.slice', undefined],
  ['', undefined],
  ['/../..', undefined],
  ['/system.slice/foo.service/worker/a', { kind: 'unit', id: 'foo.service', subpath: '/worker/a' }],
  ['/system.slice/docker-' + '9'.repeat(64) + '.scope (deleted)', { runtime: 'docker', kind: 'container', id: '9'.repeat(64) }],
];

test('identity: literal forms beyond the corpus', () => {
  for (const [p, want] of LITERAL) check(identifyCgroupPath(p), want, p);
});

test('identity: systemd escapes', () => {
  assert.equal(unescapeSystemd('qemu\\x2d1\\x2dvm'), 'qemu-1-vm');
  assert.equal(unescapeSystemd('plain'), 'plain');
});

test('identity: arbitrary strings never throw and always give a well-formed answer', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('..', 'docker', 'kubepods', 'burstable', 'pod1', 'lxc', 'machine.slice', 'a.scope', 'x.slice:cri-containerd:1')), { maxLength: 8 }), (segs) => {
      const got = identifyCgroupPath('/' + segs.join('/'));
      if (got) {
        assert.ok(got.id.length > 0 || got.kind !== 'container');
        assert.ok(got.cgroup.startsWith('/'));
        assert.ok(got.label.length > 0);
      }
    }),
    { numRuns: 500 },
  );
});
