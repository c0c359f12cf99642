/**
 * `nsx ls` reads only what the selected columns need, and loads the native layer (the nsx-nsfs.node addon, koffi
 * without it) only for PNS/ONS/NETNSID/owner trees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fixtureHost } from '../helpers/host.js';
import { liveSkipReason } from '../helpers/live.js';
import { hostPaths } from '../../src/host/paths.js';
import { listNamespaces } from '../../src/services/ls.js';
import { LS_FIELDS, needsOf, defaultColumns } from '../../src/fields/ls.js';
import { selectFields } from '../../src/fields/registry.js';
import { sysLoaded } from '../../native-bindings/nsfs.js';
import { buildDir } from '../../native-bindings/enter.js';

const needsFor = (cols: string[]) => needsOf(selectFields(LS_FIELDS, cols, undefined));

test('without stat, status, cmdline and comm files, NS/TYPE/NPROCS/PID still list (they are not read)', async () => {
  const h = fixtureHost('ns-nested.manifest');
  try {
    for (const pid of readdirSync(h.paths.proc).filter((d) => /^\d+$/.test(d))) {
      for (const f of ['stat', 'status', 'cmdline', 'comm', 'cgroup']) rmSync(join(h.paths.proc, pid, f), { force: true });
    }
    const r = await listNamespaces({ paths: h.paths, tree: 'none', needs: needsFor(['NS', 'TYPE', 'NPROCS', 'PID']) });
    assert.equal(r.incomplete, false);
    assert.equal(r.namespaces.length, 15);
    assert.deepEqual([...new Set(r.rows.map((x) => x.pid))], [1, 201, 203, 300, undefined]);
    assert.ok(r.rows.every((x) => x.pid === undefined || r.procs.get(x.pid) !== undefined));
    // the process tree needs the PPIDs: now stat is missing, so each process is skipped as vanished (not denied)
    const t = await listNamespaces({ paths: h.paths, tree: 'process', needs: needsFor(['NS', 'PID']) });
    assert.equal(t.incomplete, false);
    assert.equal(t.namespaces.length, 2, 'only the bind-mounted netns remain');
  } finally {
    h.cleanup();
  }
});

test('the default columns do not load the native layer (without net: sockets need SIOCGSKNS); PNS/ONS do, through the addon, not koffi (live)', { skip: liveSkipReason() }, async () => {
  const cache = createRequire(import.meta.url).cache;
  const koffiLoaded = () => Object.keys(cache).some((k) => k.includes(`${join('node_modules', 'koffi')}`));
  const addonBuilt = existsSync(join(buildDir(), 'nsx-nsfs.node'));
  assert.equal(sysLoaded(), undefined);
  // net namespaces are looked for behind sockets too (SIOCGSKNS, as lsns 2.41): that needs FFI, so the other types
  const r = await listNamespaces({ paths: hostPaths(), tree: 'process', types: ['mnt', 'uts', 'ipc', 'pid', 'user', 'cgroup', 'time'], needs: needsFor(defaultColumns(false)) });
  assert.ok(r.namespaces.length >= 7);
  // a namespace held only by a mount needs its owner's UID (FFI); without such mounts the native layer stays unloaded
  if (!r.namespaces.some((ns) => ns.pids.length === 0)) assert.equal(sysLoaded(), undefined, 'native layer loaded for the default columns');
  const rel = await listNamespaces({ paths: hostPaths(), tree: 'none', needs: needsFor(['NS', 'PNS', 'ONS']) });
  assert.equal(sysLoaded(), addonBuilt ? 'nsx-nsfs.node' : 'koffi');
  // koffi (~10 ms to load) only when the addon was not built
  assert.equal(koffiLoaded(), !addonBuilt);
  assert.ok(rel.namespaces.every((ns) => ns.parent !== undefined || ns.pids.length === 0 || rel.incomplete));
});
