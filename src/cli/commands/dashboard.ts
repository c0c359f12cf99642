/** `nsx dashboard` — placeholder until the command lands. */
import type { Command } from '../context.js';
import { UnsupportedError } from '../../errors.js';

export const command: Command = {
  name: 'dashboard',
  summary: 'dashboard',
  help: 'Usage: nsx dashboard',
  async run() {
    throw new UnsupportedError('dashboard: not implemented yet');
  },
};
