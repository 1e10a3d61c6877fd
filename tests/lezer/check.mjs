// Parses every query in a JSON-lines file ({"lang": "logql"|"traceql", "query": "..."}) with Grafana's own
// lezer grammars (the ones Explore highlights and validates with) and fails on any syntax error node.
// Usage: node check.mjs FILE [FILE...]
import { readFileSync } from 'node:fs';
import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check.mjs FILE.jsonl [...]');
  process.exit(2);
}
let checked = 0;
const failures = [];
const seen = new Set();
for (const file of files) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { lang, query } = JSON.parse(line);
    const key = lang + '\u0000' + query;
    if (seen.has(key)) continue;
    seen.add(key);
    const tree = (lang === 'logql' ? logql : traceql).parse(query);
    let error = null;
    tree.iterate({
      enter(node) {
        if (node.type.isError && error === null) error = node.from;
      },
    });
    checked += 1;
    if (error !== null) failures.push({ lang, query, at: error });
  }
}
for (const f of failures.slice(0, 30)) {
  console.error(`${f.lang} syntax error at ${f.at}: ${f.query}`);
}
console.log(`lezer: ${checked} distinct queries checked, ${failures.length} with syntax errors`);
process.exit(failures.length === 0 ? 0 : 1);
