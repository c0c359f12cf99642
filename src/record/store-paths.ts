/** Where `nsx record` writes and replay reads by default (both take `--dir`). */
export const DEFAULT_DIR = '/var/lib/nsx';
