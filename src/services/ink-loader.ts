/**
 * Load Ink for an interactive session.
 *
 * - Ink decides once, when it is first imported, whether it runs in CI (the is-in-ci package: CI,
 *   CONTINUOUS_INTEGRATION or any CI_* variable) and then stops drawing interactively. nsx starts a TUI only
 *   after checking that it has a terminal, so a CI variable inherited by an interactive shell must not break
 *   it: the variables are hidden while Ink loads, then restored (programs nsx starts later, such as the shell
 *   of `e` in the dashboard, still see them).
 * - Colour: Ink colours through chalk, whose level is fixed when it loads (from FORCE_COLOR, the terminal,
 *   argv). The CLI resolves --color/NO_COLOR once (CliContext.color) and calls setInkColor(); while Ink loads,
 *   FORCE_COLOR turns chalk on, then is restored for child processes. With colour off the TUIs drop their
 *   colours themselves (src/tui/theme.ts, from CliContext.color) and keep inverse, bold and dim, which
 *   NO_COLOR does not forbid — the selection must stay visible.
 */
let inkColor: boolean | undefined;

/** Tell the loader whether the TUI may use colour (called by the CLI when it makes its context). */
export function setInkColor(on: boolean): void {
  inkColor = on;
}

export async function loadInkForTerminal(): Promise<void> {
  const env = process.env;
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) {
      saved[k] = env[k];
      delete env[k];
    }
  }
  if (inkColor !== undefined) {
    saved.FORCE_COLOR = env.FORCE_COLOR;
    // chalk: 3 is truecolor (chalk still maps down for the terminal it finds). At least 1 also with colour
    // off: chalk would read `--no-color`/`--color=never` from argv and drop inverse and bold as well.
    env.FORCE_COLOR = env.FORCE_COLOR && env.FORCE_COLOR !== '0' ? env.FORCE_COLOR : '1';
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
    for (const [k, v] of Object.entries(saved)) {
      if (v !== undefined) env[k] = v;
      else delete env[k];
    }
  }
}
