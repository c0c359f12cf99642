/**
 * `npm run bench -- [ls|cg|enter|top ...]`: side-by-side benchmarks of nsx against the incumbent tools.
 * With no argument, runs them all. Each benchmark lives in bench/<name>.ts and exports `run(): Promise<void>`.
 */
const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  ls: () => import('./ls.js'),
  cg: () => import('./cg.js'),
  enter: () => import('./enter.js'),
  top: () => import('./top.js'),
  dashboard: () => import('./dashboard.js'),
  startup: () => import('./startup.js'),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.length ? args.filter((a) => !a.startsWith('-')) : Object.keys(BENCHES);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error('bench: needs root (it creates namespaces and cgroups)');
    process.exit(1);
  }
  for (const n of names) {
    const load = BENCHES[n];
    if (!load) {
      console.error(`bench: unknown benchmark '${n}' (have: ${Object.keys(BENCHES).join(', ')})`);
      process.exit(2);
    }
    await (await load()).run(args.filter((a) => a.startsWith('-')));
  }
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
