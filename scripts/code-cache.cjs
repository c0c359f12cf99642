// For scripts/build.mjs: V8's code cache of a short command's file (dist/bundle/cli-WORD.cjs → FILE.cache). Not
// shipped: the launcher bin/nsx only reads the cache. The cache is made with bin/nsx's own loader (`wrapped`,
// `instantiate`): V8 accepts a cache only for the very source text it was made from, so the text compiled here
// and the text bin/nsx compiles come from one function.
'use strict';
const vm = require('node:vm');
const v8 = require('node:v8');
const { instantiate, wrapped } = require('../bin/nsx');

/**
 * The code cache of a bundle. With `runs` (argument vectors), the bundle first runs those commands, so that the
 * cache holds what they compiled: the functions a real run needs, and a smaller cache (faster to load) than one
 * of every function. Without runs, or when they fail, every function is compiled eagerly instead.
 */
async function makeCodeCache(file, runs = []) {
  if (runs.length) {
    const script = new vm.Script(wrapped(file), { filename: file });
    const m = instantiate(script, file);
    let failed;
    for (const argv of runs) {
      await m.main(argv).catch((e) => (failed = e));
      if (failed !== undefined || process.exitCode) break;
    }
    if (failed === undefined && !process.exitCode) return script.createCachedData();
    process.exitCode = 0; // below: the eager cache
  }
  v8.setFlagsFromString('--no-lazy');
  let script;
  try {
    // a file name of its own, so that V8 does not hand back the script compiled above
    script = new vm.Script(wrapped(file), { filename: `${file}#eager` });
  } finally {
    v8.setFlagsFromString('--lazy');
  }
  // after the flag is back: the cache records the flags it was made under, and V8 rejects it when they differ
  return script.createCachedData();
}

module.exports = { makeCodeCache };
