/**
 * Progress of long work on stderr: a rewritten line on a terminal by default, a line per 10% when
 * forced (--progress) into a file or pipe, nothing otherwise (piped, or `quiet`: --json without
 * --progress), so scripted runs stay clean.
 */
export interface Progress {
  update(done: number, total: number, text: string): void;
  done(): void;
}

export function progress(force = false, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = Boolean(stream.isTTY);
  if (!force && (!tty || quiet)) return { update: () => {}, done: () => {} };
  let shown = -1;
  let wrote = false;
  return {
    update(done, total, text) {
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      const line = `${text} (${pct}%)`;
      if (tty) {
        stream.write(`\r\x1b[K${line}`);
        wrote = true;
      } else if (Math.floor(pct / 10) > shown) {
        shown = Math.floor(pct / 10);
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (tty && wrote) stream.write('\r\x1b[K');
    },
  };
}
