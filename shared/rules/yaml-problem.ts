/**
 * The first YAML syntax problem of a rules file, in words and at the line that is wrong.
 *
 * The YAML parser reports an indentation mistake as parser jargon ("Nested mappings are not allowed in
 * compact mappings", "Implicit keys need to be on a single line"), often several times, and for a field
 * indented one space too far on the line *before* it (where the mapping it breaks starts). So when the
 * parser fails, the text is scanned for the first line whose indentation fits no open block: that line
 * is named, with the columns it could line up with. Anything else is the parser's first message.
 */

export interface YamlProblem {
  line: number;
  col: number;
  message: string;
}

interface Significant {
  line: number;
  indent: number;
  /** Column (0-based) of the first key or value after any `- ` item markers. */
  content: number;
  text: string;
}

const blank = (t: string) => /^\s*(#.*)?$/.test(t);

/** The first line whose indentation fits no open block (a tab, too deep, between two levels), or null. */
export function indentationProblem(text: string): YamlProblem | null {
  const lines = text.split(/\r?\n/);
  const open: number[] = [0]; // columns where the keys of open mappings (and items of open sequences) start
  let prev: Significant | undefined;
  let scalarIndent: number | null = null; // inside a block scalar (| or >) started at this indent
  let depth = 0; // open flow brackets spanning lines
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const tab = /^( *)\t/.exec(raw);
    if (tab && !blank(raw)) return { line, col: tab[1].length + 1, message: 'indented with a tab: YAML indentation must be spaces' };
    if (blank(raw)) continue;
    const indent = raw.length - raw.trimStart().length;
    if (scalarIndent !== null) {
      if (indent > scalarIndent) continue;
      scalarIndent = null;
    }
    if (depth > 0) {
      depth += count(raw, '[{') - count(raw, ']}');
      continue;
    }
    const marker = /^(\s*)((?:- +)*)/.exec(raw)!;
    const content = marker[1].length + marker[2].length;
    const cur: Significant = { line, indent, content, text: raw.trim() };
    if (prev) {
      // "key:" (maybe with a !tag or &anchor) or a bare "-" opens a deeper block on the next line.
      const opensBlock = /:\s*([!&]\S+\s*)?(#.*)?$/.test(prev.text) || /^(- *)+([!&]\S+\s*)?(#.*)?$/.test(prev.text);
      if (opensBlock) {
        // The first line of a new block: deeper than the key that opened it (or a `- ` item at its column).
        const parentKey = prev.content;
        if (indent < parentKey || (indent === parentKey && !cur.text.startsWith('-'))) {
          if (!open.includes(indent)) return lineUp(cur, prev, open);
        }
        if (indent > parentKey) open.push(indent);
      } else if (indent > prev.content) {
        return {
          line,
          col: indent + 1,
          message: `indented more than the line above (line ${prev.line}, column ${prev.content + 1}): a field of the same block starts in the same column, and only a line ending with ":" opens a deeper one`,
        };
      } else if (!open.includes(indent) && indent !== prev.content) {
        return lineUp(cur, prev, open);
      }
      while (open.length && open[open.length - 1] > indent) open.pop();
      if (!open.includes(indent)) open.push(indent);
    }
    // Item markers open a level at the item's content column.
    if (marker[2].length && !open.includes(content)) open.push(content);
    open.sort((a, b) => a - b);
    if (/[|>][-+]?\d*\s*(#.*)?$/.test(cur.text) && /:\s*[|>]/.test(cur.text)) scalarIndent = indent;
    depth = Math.max(0, count(raw, '[{') - count(raw, ']}'));
    prev = cur;
  }
  return null;
}

function lineUp(cur: Significant, prev: Significant, open: number[]): YamlProblem {
  const cols = [...new Set(open.filter((c) => c <= prev.content))].map((c) => String(c + 1));
  const list = cols.length > 1 ? `${cols.slice(0, -1).join(', ')} or ${cols[cols.length - 1]}` : cols[0];
  return {
    line: cur.line,
    col: cur.indent + 1,
    message: `starts in column ${cur.indent + 1}, which lines up with no field above it: start it in column ${list} (the fields it may belong with)`,
  };
}

function count(s: string, chars: string): number {
  let n = 0;
  let quote: string | null = null;
  for (const ch of s.replace(/\s#.*$/, '')) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (chars.includes(ch)) n++;
  }
  return n;
}

/**
 * One problem for a file the YAML parser refused: the indentation problem near the parser's first
 * error when there is one, else the parser's first message.
 */
export function firstYamlProblem(text: string, parserFirst: YamlProblem): YamlProblem {
  const indent = indentationProblem(text);
  if (indent && indent.line >= parserFirst.line - 1 && indent.line <= parserFirst.line + 2) return indent;
  return parserFirst;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The known name closest to `name` (a typo: at most 2 edits, or a prefix), or undefined. */
export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = k.startsWith(name) || name.startsWith(k) ? Math.min(distance(name, k), 2) : distance(name, k);
    if (d <= Math.min(2, Math.max(1, Math.floor(k.length / 3))) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}
