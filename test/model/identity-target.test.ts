/** Container/pod targets (pure): parsing, exact-before-prefix, ambiguity refused whatever the order; the JSON record. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matchContainer, matchPod, parseContainerTarget, pickContainer, describeIdentity, targetSelector } from '../../src/model/container-target.js';
import { identifyCgroupPath, identityJson, identityMatches, withMeta, type Identity } from '../../src/model/identity.js';
import { UsageError, isNsxError } from '../../src/errors.js';

const A1 = 'a1' + '0'.repeat(62);
const A2 = 'a2' + '1'.repeat(62);
const B = 'b0' + '2'.repeat(62);
const docker = (id: string, name?: string, image?: string): Identity => withMeta(identifyCgroupPath(`/docker/${id}`)!, name ? { runtime: 'docker', name, image } : undefined);
const lxc = (name: string): Identity => withMeta(identifyCgroupPath(`/lxc.payload.${name}`)!, { runtime: 'lxc', name });

test('parseContainerTarget: forms, runtime aliases, hex case, bad input one-line UsageError', () => {
  assert.deepEqual(parseContainerTarget('container:web'), { kind: 'container', prefix: 'web' });
  assert.deepEqual(parseContainerTarget('container:Web_1'), { kind: 'container', prefix: 'Web_1' });
  assert.deepEqual(parseContainerTarget('container:3F2A'), { kind: 'container', prefix: '3f2a' });
  assert.deepEqual(parseContainerTarget('container:docker:9a9f'), { kind: 'container', prefix: '9a9f', runtime: 'docker' });
  assert.deepEqual(parseContainerTarget('container:crio:9a9f'), { kind: 'container', prefix: '9a9f', runtime: 'cri-o' });
  assert.deepEqual(parseContainerTarget('container:ctr:job'), { kind: 'container', prefix: 'job', runtime: 'containerd' });
  assert.deepEqual(parseContainerTarget('container:pod/app'), { kind: 'container', prefix: 'pod/app' });
  assert.deepEqual(parseContainerTarget('container:other:x'), { kind: 'container', prefix: 'other:x' });
  assert.deepEqual(parseContainerTarget('pod:kube-system/coredns'), { kind: 'pod', namespace: 'kube-system', name: 'coredns' });
  assert.deepEqual(parseContainerTarget('pod:coredns'), { kind: 'pod', name: 'coredns' });
  for (const bad of ['container:', 'container:-x', 'container: web', 'container:a\x1b[2J', 'container:docker:', 'pod:', 'pod:/x', 'pod:a/', 'pod:a/b/c', 'web', 'pid:1']) {
    assert.throws(() => parseContainerTarget(bad, 'nsx enter'), (e: unknown) => e instanceof UsageError && !e.message.includes('\n') && e.message.startsWith('nsx enter: '), JSON.stringify(bad));
  }
  fc.assert(
    fc.property(fc.constantFrom('container:', 'pod:', 'container:docker:'), fc.string({ maxLength: 30 }), (a, b) => {
      try {
        const t = parseContainerTarget(a + b);
        assert.ok(t.kind === 'pod' ? t.name.length > 0 : t.prefix.length > 0);
      } catch (e) {
        assert.ok(e instanceof UsageError && !e.message.includes('\n'));
      }
    }),
    { numRuns: 300 },
  );
});

test('matchContainer: exact name / full id / ref win over prefixes; prefixes must be unique; result independent of order', () => {
  const list = [docker(A1, 'web', 'nginx:1'), docker(A2, 'a1'), docker(B, 'db'), lxc('alpha')];
  const q = (v: string, l = list) => matchContainer(parseContainerTarget(v) as never, l);
  for (const order of [list, [...list].reverse(), [list[2], list[0], list[3], list[1]]]) {
    assert.equal(('ok' in q('container:web', order) && q('container:web', order)) && (q('container:web', order) as { ok: Identity }).ok.id, A1);
    // `a1` is A2's name and A1's id prefix: the exact name wins
    assert.equal((q('container:a1', order) as { ok: Identity }).ok.id, A2);
    assert.equal((q(`container:${A1}`, order) as { ok: Identity }).ok.id, A1);
    assert.equal((q('container:docker:a10000000000', order) as { ok: Identity }).ok.id, A1);
    assert.equal((q('container:b', order) as { ok: Identity }).ok.id, B);
    // `a`: A1, A2 and the LXC container alpha (its id is its name) — refused, never picked by order
    const amb = q('container:a', order);
    assert.ok('ambiguous' in amb);
    assert.deepEqual(amb.ambiguous.map((i) => i.ref).sort(), ['docker:a10000000000', 'docker:a21111111111', 'lxc:alpha']);
    assert.ok('ambiguous' in q('container:docker:a', order));
    assert.equal((q('container:lxc:a', order) as { ok: Identity }).ok.id, 'alpha');
    assert.ok('none' in q('container:zz', order));
  }
  // the same name under two runtimes: ambiguous unless the runtime is given
  const two = [docker(A1, 'web'), withMeta(identifyCgroupPath(`/libpod_parent/libpod-${B}`)!, { runtime: 'podman', name: 'web' })];
  assert.ok('ambiguous' in q('container:web', two));
  assert.equal((q('container:podman:web', two) as { ok: Identity }).ok.id, B);
  assert.throws(
    () => pickContainer('nsx enter', parseContainerTarget('container:web') as never, two),
    (e: unknown) => isNsxError(e) && e.exitCode === 1 && /ambiguous, 2 containers match: docker:a10000000000 web, podman:b02222222222 web/.test(e.message),
  );
});

test('matchPod: ambiguous names across namespaces are refused; the pod cgroup is its containers\' parent', () => {
  const uid1 = '11111111-2222-3333-4444-555555555555';
  const uid2 = '66666666-2222-3333-4444-555555555555';
  const mk = (uid: string, ns: string, id: string) =>
    withMeta(identifyCgroupPath(`/kubepods.slice/kubepods-pod${uid.replace(/-/g, '_')}.slice/cri-containerd-${id}.scope`)!, { runtime: 'containerd', name: 'app', pod: { namespace: ns, name: 'web', uid } });
  const list = [mk(uid1, 'prod', A1), mk(uid2, 'dev', A2)];
  const r = matchPod(parseContainerTarget('pod:prod/web') as never, list);
  assert.ok('ok' in r);
  assert.equal(r.ok.cgroup, `/kubepods.slice/kubepods-pod${uid1.replace(/-/g, '_')}.slice`);
  const amb = matchPod(parseContainerTarget('pod:web') as never, list);
  assert.ok('ambiguous' in amb);
  assert.deepEqual(amb.ambiguous.map((i) => i.label).sort(), ['pod:dev/web', 'pod:prod/web']);
  assert.ok('ok' in matchPod(parseContainerTarget('pod:6666') as never, list));
});

test('withMeta / identityJson / identityMatches', () => {
  const plain = identifyCgroupPath(`/x/${A1}`)!;
  assert.equal(plain.label, 'docker:a10000000000');
  assert.equal(plain.ref, plain.label);
  assert.equal(withMeta(plain, undefined), plain);
  const named = withMeta(plain, { runtime: 'docker', name: 'web', image: 'nginx:1.25', compose: { project: 'shop', service: 'web' } });
  assert.equal(named.label, 'web');
  assert.equal(named.ref, 'docker:a10000000000');
  assert.deepEqual(identityJson(named), {
    runtime: 'docker', kind: 'container', id: A1, name: 'web', image: 'nginx:1.25', pod: null, compose: { project: 'shop', service: 'web' },
    unit: null, namespace: null, label: 'web', ref: 'docker:a10000000000', cgroup: `/x/${A1}`,
  });
  assert.equal(identityJson(undefined), null);
  // a runtime corrected by metadata changes ref and label (a bare id under a parent that containerd owns)
  const ctr = withMeta(plain, { runtime: 'containerd', namespace: 'k8s.io' });
  assert.deepEqual([ctr.runtime, ctr.label, ctr.ref], ['containerd', 'containerd:a10000000000', 'containerd:a10000000000']);
  for (const needle of ['WEB', 'nginx', 'a100', 'shop', 'docker:a1']) assert.ok(identityMatches(named, needle), needle);
  assert.ok(!identityMatches(named, 'redis'));
  assert.ok(!identityMatches(undefined, 'x'));
  assert.equal(describeIdentity(named), 'docker:a10000000000 web (nginx:1.25)');
  assert.equal(describeIdentity(withMeta(plain, { runtime: 'docker', name: 'a\nb\rc' })), 'docker:a10000000000 a\\x0ab\\x0dc');
  // pod-level cgroups get the pod's name from /var/log/pods
  const pod = withMeta(identifyCgroupPath('/kubepods/besteffort/pod11-22')!, undefined, (u) => (u === '11-22' ? { namespace: 'ns', name: 'p', uid: u } : undefined));
  assert.equal(pod.label, 'pod:ns/p');
});

test('identity: new path forms (any-parent Docker id, plain containerd namespaces)', () => {
  const id = 'c'.repeat(64);
  assert.deepEqual(
    ((i) => [i.runtime, i.kind, i.id, i.cgroup])(identifyCgroupPath(`/nsx-fx/${id}`)!),
    ['docker', 'container', id, `/nsx-fx/${id}`],
  );
  assert.equal(identifyCgroupPath(`/a/b/${id}/sub`)?.subpath, '/sub');
  assert.deepEqual(((i) => [i.runtime, i.id])(identifyCgroupPath('/default/my-job')!), ['containerd', 'my-job']);
  assert.deepEqual(((i) => [i.runtime, i.id])(identifyCgroupPath(`/k8s.io/${id}`)!), ['containerd', id]);
  assert.equal(identifyCgroupPath('/default'), undefined);
  assert.equal(identifyCgroupPath('/x/default/job'), undefined);
  // under a kubepods pod slice a bare id is the pod's container (runtime not in the path)
  assert.equal(identifyCgroupPath(`/kubepods.slice/kubepods-pod11_22.slice/${id}`)?.runtime, 'kubernetes');
});

test('targetSelector: list filters by name, RUNTIME:ID, pod, unit; ambiguous or unknown refused', () => {
  const uid = '11111111-2222-3333-4444-555555555555';
  const inPod = withMeta(identifyCgroupPath(`/kubepods/besteffort/pod${uid}/${'c'.repeat(64)}`)!, { runtime: 'containerd', name: 'app', pod: { namespace: 'prod', name: 'web', uid } });
  const unit = identifyCgroupPath('/system.slice/ssh.service')!;
  const list = [docker(A1, 'web'), docker(A2, 'db'), lxc('alpha'), inPod, unit, undefined];
  const pick = (t: string) => list.filter((i) => targetSelector(t, list, 'nsx ps')(i)).map((i) => i!.label);
  assert.deepEqual(pick('web'), ['web']);
  assert.deepEqual(pick('container:docker:a2'), ['db']);
  assert.deepEqual(pick('pod:prod/web'), ['web/app']);
  assert.deepEqual(pick(uid), ['web/app']);
  assert.deepEqual(pick('ssh.service'), ['ssh.service']);
  assert.deepEqual(pick('app'), ['web/app']);
  assert.throws(() => pick('a'), (e: unknown) => isNsxError(e) && e.exitCode === 1 && /ambiguous, 3 containers match/.test(e.message));
  assert.throws(() => pick('nothing'), (e: unknown) => isNsxError(e) && e.exitCode === 1 && /no running container, pod or unit matches/.test(e.message));
  assert.throws(() => pick('container:nothing'), (e: unknown) => isNsxError(e) && /no running container matches/.test(e.message));
});
