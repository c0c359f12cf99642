/**
 * The one module the build replaces (scripts/build.mjs, `BOUNDARIES`): how a command's module is imported.
 * Here (the tests run the sources one file to one) a plain dynamic import of src/cli/commands/NAME.ts; in the
 * product, `import('nsx:commands')`, one chunk holding every command of ./table.ts.
 */
export const importCommand = (name: string): Promise<unknown> => import(`./commands/${name}.js`);
