/** Types of prom-client's Registry module (`prom-client/lib/registry.js`), loaded alone: see registry.ts. */
declare module 'prom-client/lib/registry.js' {
  import type { Registry as PromRegistry, RegistryContentType } from 'prom-client';
  const Registry: typeof PromRegistry & (new (contentType: string) => PromRegistry<RegistryContentType>);
  export default Registry;
}
