#!/usr/bin/env node
// The scale host's command line (the host itself: test/helpers/scale.ts; run `npm run build` first). Root only.
//
//   scripts/scale-host.mjs up VARIANT        bring one up and leave it (its root process outlives this command);
//                                            prints its top cgroup, root PID and how to enter its mount namespace
//   scripts/scale-host.mjs down              remove every scale host brought up by `up` (and leftovers)
//   scripts/scale-host.mjs sweep             remove only leftovers (scale hosts whose owner process is gone)
//   scripts/scale-host.mjs run VARIANT -- CMD…   bring one up, run CMD inside its mount namespace, take it down
//   scripts/scale-host.mjs variants          list the variants
//
// Other sessions share this machine: keep a scale host up only while you measure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const lib = join(repo, 'dist', 'test', 'helpers', 'scale.js');
if (!existsSync(lib)) {
  console.error(`scale-host: ${lib} is missing; run npm run build first`);
  process.exit(1);
}
const { scaleUp, sweepScale, VARIANTS } = await import(lib);
const [cmd, variant, ...rest] = process.argv.slice(2);

function describe(h) {
  console.log(`scale host ${h.variant} up in ${h.upSeconds.toFixed(1)} s: top cgroup ${h.top}, root PID ${h.rootPid}`);
  for (const g of h.groups.slice(0, 3)) console.log(`  ${g.cgroup}: ${g.procs} processes, ${g.tasks} tasks`);
  if (h.groups.length > 3) console.log(`  … ${h.groups.length} groups of processes in all`);
  console.log(`  mounts and ip netns are in its mount namespace: ${h.argv(['CMD']).join(' ')}`);
}

switch (cmd) {
  case 'up': {
    const h = await scaleUp(variant ?? 'node', { detach: true });
    describe(h);
    process.exit(0);
    break;
  }
  case 'run': {
    const argv = rest[0] === '--' ? rest.slice(1) : rest;
    if (!variant || argv.length === 0) {
      console.error('usage: scale-host.mjs run VARIANT -- CMD…');
      process.exit(2);
    }
    const h = await scaleUp(variant);
    describe(h);
    let status = 1;
    try {
      const r = spawnSync(h.argv(argv)[0], h.argv(argv).slice(1), { stdio: 'inherit', env: { ...process.env, NSX_SCALE_TOP: h.top } });
      status = r.status ?? 1;
    } finally {
      await h.down();
    }
    process.exit(status);
    break;
  }
  case 'down':
    for (const t of await sweepScale({ detached: true })) console.log(`removed ${t}`);
    break;
  case 'sweep':
    for (const t of await sweepScale()) console.log(`removed ${t}`);
    break;
  case 'variants':
    for (const [k, v] of Object.entries(VARIANTS)) console.log(`${k.padEnd(10)} ${JSON.stringify(v)}`);
    break;
  default:
    console.error('usage: scale-host.mjs up VARIANT | down | sweep | run VARIANT -- CMD… | variants');
    process.exit(2);
}
