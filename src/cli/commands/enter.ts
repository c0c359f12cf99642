/** `nsx enter` — placeholder until the command lands. */
import type { Command } from '../context.js';
import { UnsupportedError } from '../../errors.js';

export const command: Command = {
  name: 'enter',
  summary: 'enter',
  help: 'Usage: nsx enter',
  async run() {
    throw new UnsupportedError('enter: not implemented yet');
  },
};
