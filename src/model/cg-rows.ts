/**
 * The rows of `nsx cg`'s outputs: plain serialisable data made by src/services/cg.ts and formatted by the field
 * registry src/fields/cg.ts (both import them from here; neither imports the other's types).
 */
import type { Limit } from './cgroup-sample.js';
import type { IdentityJson } from './identity.js';

/* ------------------------------------------------------------------ nsx cg */

export interface CgHierarchyRow {
  readonly id: number;
  readonly version: 1 | 2;
  readonly controllers: string[];
  /** `name=` of a named v1 hierarchy */
  readonly name: string | null;
  /** first mount point (host path); null for hierarchy 0 when cgroup2 is not mounted */
  readonly mount: string | null;
  readonly mounts: string[];
  /** number of cgroups (directories); null when not mounted */
  readonly num_cgroups: number | null;
}

/* ------------------------------------------------------------------ nsx cg tree */

export interface CgProcess {
  readonly pid: number;
  /** command line (raw; escaped by the view), `[comm]` for kernel threads */
  readonly command: string;
}

export interface CgTreeNode {
  readonly path: string;
  readonly name: string;
  /** container/unit label: the runtime's name (`web`), else from the path (`docker:1f1d6e2d4940`), or null */
  readonly container: string | null;
  /** the container/pod/machine identity record (runtime, id, name, image, pod…), or null */
  readonly identity: IdentityJson | null;
  readonly processes: CgProcess[];
  readonly children: CgTreeNode[];
}

/* ------------------------------------------------------------------ nsx cg show */

export type ShowGroup = Record<string, number | bigint | string | Limit | object | null> & { readonly path: string; readonly version: 1 | 2 };

/* ------------------------------------------------------------------ nsx cg ps */

export interface CgPsRow {
  readonly hierarchy_id: number;
  readonly version: 1 | 2;
  readonly controllers: string[];
  readonly name: string | null;
  readonly path: string;
  readonly mount: string | null;
  readonly container: string | null;
}
