/** `useCgroupIdentities(frame, source)`: the identity of each cgroup of a frame (src/tui/names.ts), once per frame. */
import { useMemo } from 'react';
import type { Identity } from '../../model/identity.js';
import type { TopFrame } from '../../sampler/frame.js';
import { cgroupIdentities, type IdentitySource } from '../names.js';

/** `cgroupIdentities` once per frame. */
export function useCgroupIdentities(frame: TopFrame | undefined, src: IdentitySource | undefined): ReadonlyMap<string, Identity> {
  return useMemo(() => cgroupIdentities(frame, src), [frame, src]);
}

