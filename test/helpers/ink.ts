/** Driving an ink-testing-library render: wait until the frame has settled, press keys. */
import type { render } from 'ink-testing-library';

type Rendered = ReturnType<typeof render>;

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until the frame has stopped changing for `quietMs` (renders lag behind input on a loaded machine), at most
 * `ms` in all.
 */
export async function settle(app: Rendered, ms = 5000, quietMs = 120): Promise<void> {
  const end = Date.now() + ms;
  let prev = app.lastFrame();
  let same = 0;
  while (Date.now() < end && same * 40 < quietMs) {
    await tick(40);
    const cur = app.lastFrame();
    same = cur === prev ? same + 1 : 0;
    prev = cur;
  }
}

/** Wait until the frame differs from `before` (at most `ms`), then until it settles. */
export async function changed(app: Rendered, before: string | undefined, ms = 10_000, quietMs = 120): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && app.lastFrame() === before) await tick(20);
  await settle(app, ms, quietMs);
}

/**
 * Type each key and let the frame settle after it. With `changes`, each key is known to change the frame: wait
 * for that change first (a loaded machine may take longer to render than a pause in the frames lasts).
 */
export async function press(app: Rendered, ...keys: Array<string | { changes: true; quietMs?: number }>): Promise<void> {
  const opt = keys.find((k): k is { changes: true; quietMs?: number } => typeof k === 'object');
  for (const k of keys) {
    if (typeof k === 'object') continue;
    const before = app.lastFrame();
    app.stdin.write(k);
    if (opt) await changed(app, before, 10_000, opt.quietMs);
    else await settle(app);
  }
}
