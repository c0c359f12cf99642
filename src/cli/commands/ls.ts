/** `nsx ls` — placeholder until the command lands. */
import type { Command } from '../context.js';
import { UnsupportedError } from '../../errors.js';

export const command: Command = {
  name: 'ls',
  summary: 'ls',
  help: 'Usage: nsx ls',
  async run() {
    throw new UnsupportedError('ls: not implemented yet');
  },
};
