/** `npm run bench -- enter` — placeholder until the benchmark lands. */
export async function run(_args: string[]): Promise<void> {
  console.log('bench enter: not implemented yet');
}
