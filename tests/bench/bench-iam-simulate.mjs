// Times @cloud-copilot/iam-simulate on the queries bench-policy wrote
// (--queries-out), through the same adapter the differential test uses,
// so the two evaluators are measured on identical input.
//
//   node tests/bench/bench-iam-simulate.mjs QUERIES.jsonl [SECONDS]
import { readFileSync } from 'node:fs';
import { evaluate } from '../policy/diff/oracle.mjs';

const [file, secondsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench-iam-simulate.mjs QUERIES.jsonl [SECONDS]\n');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 5);
const queries = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const opts = { skip: false, reportIgnored: false, checkRerun: false, explain: false, ecFix: true };
const decisions = {};
let n = 0;
const t0 = process.hrtime.bigint();
let elapsed = 0;
do {
  for (const q of queries) {
    const r = await evaluate(q, opts);
    const d = r.decision ?? r.error ?? r.skip;
    decisions[d] = (decisions[d] ?? 0) + 1;
    n++;
  }
  elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
} while (elapsed < seconds);
process.stdout.write(JSON.stringify({
  evaluator: 'iam-simulate', evaluations: n, seconds: Number(elapsed.toFixed(3)),
  evaluations_per_second: Math.round(n / elapsed), decisions,
}) + '\n');
