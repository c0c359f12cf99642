/** `useCgroupIdentities(frame)`: the identity of each cgroup of a frame (src/tui/names.ts), once per frame. */
import { useMemo } from 'react';
import type { Identity } from '../../model/identity.js';
import type { TopFrame } from '../../sampler/frame.js';
import { cgroupIdentities } from '../names.js';

export function useCgroupIdentities(frame: TopFrame | undefined): ReadonlyMap<string, Identity> {
  return useMemo(() => cgroupIdentities(frame), [frame]);
}
