/** `nsx ps` — placeholder until the command lands. */
import type { Command } from '../context.js';
import { UnsupportedError } from '../../errors.js';

export const command: Command = {
  name: 'ps',
  summary: 'ps',
  help: 'Usage: nsx ps',
  async run() {
    throw new UnsupportedError('ps: not implemented yet');
  },
};
