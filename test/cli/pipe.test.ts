import { spawn } from 'node:child_process';
import path from 'node:path';

const bin = path.join(__dirname, '..', '..', 'bin', 'bedrock-watch.js');

describe('CLI output into a reader that stops early (| head)', () => {
  it('exits quietly without an EPIPE stack trace when stdout closes', async () => {
    const child = spawn(process.execPath, [bin, 'cost', '--models', '3', '--profile', 'typical'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Close the reading end before the CLI has written anything (it takes a moment to start),
    // as a reader that has already quit does: every write then meets a closed pipe.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  }, 30_000);
});
