// RELIABILITY.md's "Mutation testing" section, from the committed summary docs/mutation.json
// (written by scripts/mutation-summary.js after `npm run mutation`). Used by scripts/reliability.js.
'use strict';

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const pct = (x) => (x === null || x === undefined ? 'n/a' : `${x}%`);

/** Markdown lines of the section; without a summary, one line saying how to make it. */
function mutationSection(summary, file = 'docs/mutation.json') {
  const lines = ['## Mutation testing', ''];
  if (!summary) {
    lines.push(`No mutation summary (${file}): run \`npm run mutation\`, then \`node scripts/mutation-summary.js\`.`, '');
    return lines;
  }
  const t = summary.total;
  const d = summary.durationMinutes;
  const took = [d ? `initial test run ${d.initialTestRun} min, mutants ${d.mutants} min` : null, summary.wallMinutes ? `${summary.wallMinutes} min wall clock` : null].filter(Boolean).join(', ');
  lines.push(
    `${summary.tool} over the on-call core, from \`${file}\` (run ${summary.when ?? 'at an unrecorded time'}; command: \`${summary.command}\`; ` +
      `${took || 'duration not recorded'}). ` +
      'Each mutant is a small change to the code (an operator, a condition, a removed call); it is killed when a test fails on it. ' +
      'Score = (killed + timeout) / (killed + timeout + survived + no coverage).',
    '',
    `**Score: ${pct(t.score)}** — ${t.mutants} mutants: ${t.killed} killed, ${t.timeout} timeout, ${t.survived} survived, ${t.noCoverage} no coverage` +
      `${t.runtimeError || t.compileError ? `, ${t.runtimeError + t.compileError} errors` : ''}.` +
      (summary.scoreWithoutEquivalent != null && summary.scoreWithoutEquivalent !== t.score ? ` Leaving out the survivors judged equivalent below: ${pct(summary.scoreWithoutEquivalent)}.` : ''),
    '',
    '| folder / file | mutants | killed | timeout | survived | no coverage | score |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  const row = (name, c) => `| ${cell(name)} | ${c.mutants} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${pct(c.score)} |`;
  for (const [folder, c] of Object.entries(summary.folders)) {
    lines.push(row(`**${folder}/**`, c));
    for (const [f, fc] of Object.entries(summary.files)) if (f.startsWith(`${folder}/`) && !f.slice(folder.length + 1).includes('/')) lines.push(row(`\`${f}\``, fc));
  }
  if (summary.carriedFrom?.files?.length) {
    const c = summary.carriedFrom;
    lines.push('', `Carried from an earlier run (${c.when ?? 'time not recorded'}; \`${c.command ?? 'command not recorded'}\`), not re-run with the rest: ${c.files.map((f) => `\`${f}\``).join(', ')}.`);
  }
  if (summary.notRunYet?.length) {
    lines.push('', `Not mutated yet (in the configured scope, no report for them: \`npm run mutation -- --mutate FILE\`): ${summary.notRunYet.map((f) => `\`${f}\``).join(', ')}.`);
  }
  lines.push('', `Survivors (${summary.survivors.length}), each with why it is equivalent or why it is not killed yet:`, '');
  if (summary.survivors.length) {
    lines.push('| where | mutation | status | verdict | why |', '|---|---|---|---|---|');
    for (const s of summary.survivors) lines.push(`| \`${cell(s.key)}\` | \`${cell(s.original)}\` → \`${cell(s.replacement)}\` | ${s.status} | ${cell(s.verdict)} | ${cell(s.reason ?? '—')} |`);
  } else lines.push('None.');
  lines.push('');
  return lines;
}

module.exports = { mutationSection };
