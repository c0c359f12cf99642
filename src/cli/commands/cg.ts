/** `nsx cg` — placeholder until the command lands. */
import type { Command } from '../context.js';
import { UnsupportedError } from '../../errors.js';

export const command: Command = {
  name: 'cg',
  summary: 'cg',
  help: 'Usage: nsx cg',
  async run() {
    throw new UnsupportedError('cg: not implemented yet');
  },
};
