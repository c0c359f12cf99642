/**
 * `nsx --version`: the version and commit compiled in by scripts/build.mjs (the constant NSX_BUILD), then
 * what the installation can do: the enter helper, the exec and nsfs addons, and koffi. The first line alone
 * (`nsx 0.1.0 (commit …)`) is what scripts read.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { helperPath, buildDir, execAddon } from '../../native-bindings/enter.js';
import { sysLayer } from '../../native-bindings/nsfs.js';
import { helperEnvRefusal } from '../enter/helper-trust.js';

declare const NSX_BUILD: { version: string; commit: string; built: string } | undefined;

/** Version, commit ('unknown' outside a git checkout) and build date of this build. */
export const BUILD: { readonly version: string; readonly commit: string; readonly built: string } =
  typeof NSX_BUILD !== 'undefined' ? NSX_BUILD : { version: '0.0.0-dev', commit: 'unknown', built: 'unknown' };

export const VERSION = BUILD.version;

/** The short form printed by `COMMAND --version` and the first line of `nsx --version`. */
export function versionLine(): string {
  return `nsx ${BUILD.version} (commit ${BUILD.commit})`;
}

/** The long form of `nsx --version`: one `name: status` line per optional part. */
export async function versionReport(): Promise<string> {
  const lines = [versionLine(), `node: ${process.version} (${process.platform} ${process.arch})`];
  const env = process.env.NSX_ENTER_HELPER;
  const refused = env ? helperEnvRefusal(env) : undefined;
  const helper = refused === undefined ? helperPath() : undefined;
  lines.push(
    `enter helper: ${helper ? `${helper} (ready)` : refused !== undefined ? `refused: ${refused.replace(/^nsx enter: /, '')}` : `missing${env ? ` (NSX_ENTER_HELPER=${env} is not an executable)` : `: ${buildDir()}/nsx-enter was not built (install a C compiler, then npm install)`}`}`,
  );
  const addonFile = `${buildDir()}/nsx-exec.node`;
  let addon: string;
  try {
    addon = execAddon() ? `${addonFile} (loads)` : existsSync(addonFile) ? `${addonFile} (does not load)` : 'missing (nsx enter spawns the helper instead of exec)';
  } catch (e) {
    addon = `${addonFile} (does not load: ${(e as Error).message})`;
  }
  lines.push(`exec addon: ${addon}`);
  const nsfsFile = `${buildDir()}/nsx-nsfs.node`;
  let nsfs: string;
  try {
    nsfs = existsSync(nsfsFile) ? `${nsfsFile} (${sysLayer() === 'nsx-nsfs.node' ? 'loads' : 'does not load: koffi is used instead'})` : 'missing (koffi is used instead)';
  } catch (e) {
    nsfs = `${existsSync(nsfsFile) ? nsfsFile : 'missing'} (${(e as Error).message.split('\n')[0]})`;
  }
  lines.push(`nsfs addon: ${nsfs}`);
  let koffi: string;
  try {
    const req = createRequire(import.meta.url);
    const k = req('koffi') as { version?: string };
    koffi = `${k.version ?? 'present'} (loads)`;
  } catch (e) {
    koffi = `unavailable (${(e as Error).message.split('\n')[0]}): namespace relations, NETNSID and explicit namespace files need it when the nsfs addon is missing`;
  }
  lines.push(`koffi: ${koffi}`);
  return lines.join('\n') + '\n';
}
