/** `npm run bench -- top` — placeholder until the benchmark lands. */
export async function run(_args: string[]): Promise<void> {
  console.log('bench top: not implemented yet');
}
