/** `npm run bench -- cg` — placeholder until the benchmark lands. */
export async function run(_args: string[]): Promise<void> {
  console.log('bench cg: not implemented yet');
}
