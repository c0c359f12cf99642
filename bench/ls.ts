/** `npm run bench -- ls` — placeholder until the benchmark lands. */
export async function run(_args: string[]): Promise<void> {
  console.log('bench ls: not implemented yet');
}
