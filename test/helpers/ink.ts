/** Driving an ink-testing-library render: wait until the frame has settled, press keys. */
import type { render } from 'ink-testing-library';

type Rendered = ReturnType<typeof render>;

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until the frame has stopped changing (renders lag behind input on a loaded machine), at most `ms`. */
export async function settle(app: Rendered, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  let prev = app.lastFrame();
  let same = 0;
  while (Date.now() < end && same < 3) {
    await tick(40);
    const cur = app.lastFrame();
    same = cur === prev ? same + 1 : 0;
    prev = cur;
  }
}

/** Type each key and let the frame settle after it. */
export async function press(app: Rendered, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    app.stdin.write(k);
    await settle(app);
  }
}
