/** Types of prom-client's Registry module (`prom-client/lib/registry.js`), loaded alone: see registry.ts. */
declare module 'prom-client/lib/registry.js' {
  import type { Registry as PromRegistry, RegistryContentType } from 'prom-client';
  /** prom-client's Registry as its JavaScript has it: the constructor takes the content type (≥ 14) */
  class Registry extends PromRegistry<RegistryContentType> {
    constructor(contentType: string);
    static readonly PROMETHEUS_CONTENT_TYPE: string;
    static readonly OPENMETRICS_CONTENT_TYPE: string;
    /** the text of one metric (HELP, TYPE and its samples); `metrics()` calls it for every registered metric */
    getMetricsAsString(metric: object): Promise<string>;
  }
  export default Registry;
}
