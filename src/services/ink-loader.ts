/**
 * Load Ink for an interactive session. Ink decides once, when it is first imported, whether it runs in CI
 * (the is-in-ci package: CI, CONTINUOUS_INTEGRATION or any CI_* variable) and then stops drawing
 * interactively. nsx starts a TUI only after checking that it has a terminal, so a CI variable inherited by
 * an interactive shell must not break it: the variables are hidden while Ink loads, then restored (programs
 * nsx starts later, such as the shell of `e` in the dashboard, still see them).
 */
export async function loadInkForTerminal(): Promise<void> {
  const env = process.env;
  const hidden: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) {
      hidden[k] = env[k];
      delete env[k];
    }
  }
  // React's development build (chosen when NODE_ENV is unset) costs about 40 % more CPU per render and buffers a
  // performance measure per component render (hundreds of MB in an hour of dashboard): load the production build
  const nodeEnv = env.NODE_ENV;
  env.NODE_ENV ??= 'production';
  try {
    // every React entry point reads NODE_ENV when first loaded: load them all now, while it is set
    await Promise.all([import('ink'), import('react'), import('react/jsx-runtime')]);
  } finally {
    if (nodeEnv === undefined) delete env.NODE_ENV;
    for (const [k, v] of Object.entries(hidden)) if (v !== undefined) env[k] = v;
  }
}
