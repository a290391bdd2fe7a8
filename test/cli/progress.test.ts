import { progress } from '../../shared/cli/progress';

/** A stderr stand-in: a terminal or not, keeping what was written. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (chunk: string) => void written.push(chunk) } as unknown as NodeJS.WriteStream };
}

describe('progress on stderr', () => {
  it('shows on a terminal by default: one rewritten line, cleared when done', () => {
    const t = stream(true);
    const bar = progress(false, t.s);
    bar.update(0, 1, 'reading trace.jsonl.gz');
    bar.update(5, 10, 'replayed');
    bar.done();
    expect(t.written).toEqual(['\r\x1b[Kreading trace.jsonl.gz (0%)', '\r\x1b[Kreplayed (50%)', '\r\x1b[K']);
  });

  it('is quiet when piped, or with --json on a terminal, unless --progress forces it', () => {
    const piped = stream(false);
    progress(false, piped.s).update(5, 10, 'replayed');
    const json = stream(true);
    progress(false, json.s, true).update(5, 10, 'replayed');
    expect([piped.written, json.written]).toEqual([[], []]);
    const forced = stream(false);
    const bar = progress(true, forced.s, true);
    for (let i = 0; i <= 10; i++) bar.update(i, 10, 'replayed');
    expect(forced.written).toHaveLength(11);
    expect(forced.written[10]).toBe('replayed (100%)\n');
  });
});
