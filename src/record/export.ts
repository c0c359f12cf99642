/** `nsx record export --openmetrics` (see exportOpenMetrics). */
import type { Writable } from 'node:stream';
import type { ReplayWindow } from './replay.js';

export interface ExportOptions {
  readonly window: ReplayWindow;
  readonly output?: string;
  readonly stdout: Writable;
  readonly warn: (m: string) => void;
}

export async function exportOpenMetrics(_o: ExportOptions): Promise<number> {
  throw new Error('not yet');
}
