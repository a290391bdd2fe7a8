/** Files generated from code: write them, or with --check fail when the committed copy is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export function writeOrCheck(file: string, text: string, regenerate: string, argv = process.argv): void {
  const name = relative(`${__dirname}/..`, file);
  if (!argv.includes('--check')) {
    writeFileSync(file, text);
    console.log(`wrote ${name} (${text.length} bytes)`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${name} is stale: run \`${regenerate}\``);
    process.exit(1);
  }
  console.log(`${name} is up to date`);
}
