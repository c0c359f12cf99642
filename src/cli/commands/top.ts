/** `nsx top` — placeholder until the command lands. */
import type { Command } from '../context.js';
import { UnsupportedError } from '../../errors.js';

export const command: Command = {
  name: 'top',
  summary: 'top',
  help: 'Usage: nsx top',
  async run() {
    throw new UnsupportedError('top: not implemented yet');
  },
};
