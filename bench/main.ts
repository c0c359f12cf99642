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
  ps: () => import('./ps.js'),
  exporter: () => import('./exporter.js'),
  record: () => import('./record.js'),
};

/**
 * Like with like: NODE_EXTRA_CA_CERTS makes Node parse a whole CA file before running any JavaScript (~45 ms
 * here), and bin/nsx starts Node without it (nsx makes no TLS connection). So that the variable gives nsx no
 * advantage over the floor it is compared with (`node -e 0`), every benchmark runs every command without it;
 * the value is kept in NSX_BENCH_NODE_EXTRA_CA_CERTS for the start-up benchmark's informative run with it set.
 */
function likeWithLike(): void {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca === undefined) return;
  process.env.NSX_BENCH_NODE_EXTRA_CA_CERTS = ca;
  delete process.env.NODE_EXTRA_CA_CERTS;
  console.log(`bench: NODE_EXTRA_CA_CERTS (${ca}) is unset for every command measured, Node and nsx alike`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  likeWithLike();
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
