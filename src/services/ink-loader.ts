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
  try {
    await import('ink');
  } finally {
    for (const [k, v] of Object.entries(hidden)) if (v !== undefined) env[k] = v;
  }
}
