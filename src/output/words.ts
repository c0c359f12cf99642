/** Words of messages: a count with its noun in the right number (`1 file`, `3 files`). Pure. */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
