// A real MCP client from another project — the official TypeScript SDK — driving Querent's MCP server
// end to end: over stdio (the SDK spawns `querent mcp`), over streamable HTTP (`querent mcp --http`) and,
// when given, through the Grafana datasource route. Every tool is called against the recorded Loki/Tempo
// that tests/mcp_clients.rs serves; bad input must come back as clear errors while the server keeps serving.
//
// Environment (set by tests/mcp_clients.rs): QUERENT_BIN, QUERENT_MCP_ARGS (JSON array: --loki, --tempo,
// --schema, --now), MCP_HTTP_URL, MCP_GRAFANA_URL (optional), MCP_GRAFANA_RANGE (JSON [from, to]).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const BIN = process.env.QUERENT_BIN;
const ARGS = JSON.parse(process.env.QUERENT_MCP_ARGS ?? '[]');
const PAYMENT_ERRORS = '{service_name="payment-service", level="error"}';
const ERRORS_BY_SERVICE_5M = 'sum by (service_name) (count_over_time({level="error"}[5m]))';
const PAYMENT_FAILED_TRACES = '{ resource.service.name = "payment-service" && status = error }';
const PAYMENT_TRACE = 'e5ae288f5942339503d301cf19a12723';

async function connect(transport) {
  const client = new Client({ name: 'querent-ts-sdk-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Calls a tool; returns the parsed JSON of a success, throws with the text of an `isError` result. */
async function tool(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content?.[0]?.text;
  assert.equal(typeof text, 'string', JSON.stringify(result));
  if (result.isError) throw new ToolError(text);
  return JSON.parse(text);
}

class ToolError extends Error {}

async function toolError(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `expected an error from ${name}: ${JSON.stringify(result)}`);
  return result.content[0].text;
}

const transports = [];
if (BIN) transports.push(['stdio', () => new StdioClientTransport({ command: BIN, args: ['mcp', ...ARGS], stderr: 'ignore' })]);
if (process.env.MCP_HTTP_URL) transports.push(['streamable HTTP', () => new StreamableHTTPClientTransport(new URL(process.env.MCP_HTTP_URL))]);

for (const [name, make] of transports) {
  describe(`querent mcp over ${name}`, () => {
    let client;
    before(async () => {
      client = await connect(make());
    });
    after(async () => client?.close());

    test('lists eight read-only tools within the budget', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(
        tools.map((t) => t.name),
        ['ask', 'translate', 'query_logs', 'query_traces', 'get_trace', 'diagnose', 'list_services', 'describe_schema'],
      );
      assert.ok(JSON.stringify({ tools }).length < 12_000);
      for (const t of tools) assert.equal(t.annotations?.readOnlyHint, true, t.name);
      assert.equal(client.getServerVersion().name, 'querent');
    });

    test('ask answers, pages and follows up in a session', async () => {
      const first = await tool(client, 'ask', { question: 'show error logs from order-service in the last 3 hours', limit: 10 });
      assert.equal(first.plan.query, '{service_name="order-service", level="error"}');
      assert.equal(first.total, 68);
      assert.equal(first.logs.length, 10);
      assert.equal(first.nextPage, 2);
      assert.match(first.summary, /68 log lines/);
      const next = await tool(client, 'ask', { question: 'show the traces for those in the last hour', session: first.session });
      assert.equal(next.followUp, true);
      assert.equal(next.plan.kind, 'correlate');
      assert.ok(next.logs.some((l) => /^[0-9a-f]{32}$/.test(l.traceID ?? '')));
    });

    test('translate gives the plan without running it', async () => {
      const t = await tool(client, 'translate', { question: '지난 3시간 동안 order-service에서 발생한 에러 로그 보여줘' });
      assert.equal(t.plan.kind, 'logs');
      assert.equal(t.plan.start, '2026-11-25T05:38:56Z');
      assert.equal(t.logs, undefined);
    });

    test('query_logs runs LogQL: lines and series', async () => {
      const lines = await tool(client, 'query_logs', { query: PAYMENT_ERRORS, from: 'now-6h', limit: 3 });
      assert.equal(lines.logs.length, 3);
      assert.ok(lines.total >= 3);
      const series = await tool(client, 'query_logs', { query: ERRORS_BY_SERVICE_5M, from: 'now-6h' });
      assert.equal(series.kind, 'metrics');
      assert.ok(series.series.length > 0 && typeof series.series[0].stats.max === 'number');
    });

    test('query_traces finds failed payments and get_trace summarises one', async () => {
      const found = await tool(client, 'query_traces', { query: PAYMENT_FAILED_TRACES, from: 'now-6h' });
      assert.ok(found.traces.some((t) => t.traceID === PAYMENT_TRACE));
      const trace = await tool(client, 'get_trace', { trace_id: PAYMENT_TRACE });
      assert.ok(trace.errorCount > 0);
      assert.ok(trace.criticalPath.length > 0 && trace.criticalPath.length <= 10);
      assert.ok(trace.errors.some((e) => e.service === 'payment-service'));
    });

    test('diagnose, list_services and describe_schema', async () => {
      const d = await tool(client, 'diagnose', { service: 'payment-service', from: 'now-6h' });
      assert.ok(d.errorLines['payment-service'] > 0);
      assert.ok(d.traceIDs.length > 0);
      const s = await tool(client, 'list_services', {});
      assert.ok(s.services.some((x) => x.name === 'order-service'));
      const schema = await tool(client, 'describe_schema', {});
      assert.equal(schema.tempo.serviceAttribute, 'resource.service.name');
    });

    test('bad input gets clear errors and the server keeps serving', async () => {
      await assert.rejects(client.callTool({ name: 'drop_everything', arguments: {} }), (e) => {
        assert.equal(e.code, -32602);
        assert.match(e.message, /unknown tool `drop_everything`/);
        return true;
      });
      assert.match(await toolError(client, 'ask', { question: ['not', 'a', 'string'] }), /invalid type: sequence, expected a string/);
      assert.match(await toolError(client, 'get_trace', { trace_id: 7 }), /invalid type: integer `7`/);
      assert.match(await toolError(client, 'ask', { question: 'q'.repeat(300_000) }), /is 300000 bytes; at most 4000/);
      assert.match(await toolError(client, 'ask', { question: 'only errors', session: 'ffffffffffffffffffffffffffffffff' }), /there is no session/);
      assert.match(await toolError(client, 'query_traces', { query: '{service_name="x"}' }), /use `query_logs`/);
      const { tools } = await client.listTools();
      assert.equal(tools.length, 8);
    });
  });
}

if (BIN) {
  test('an expired session is a clear error (stdio, one-second sessions)', async () => {
    const client = await connect(new StdioClientTransport({ command: BIN, args: ['mcp', ...ARGS, '--session-ttl', '1'], stderr: 'ignore' }));
    try {
      const first = await tool(client, 'ask', { question: 'show logs from the inventory-service' });
      assert.equal(first.plan.kind, 'clarify');
      await new Promise((r) => setTimeout(r, 2100));
      const text = await toolError(client, 'ask', { question: 'what about order-service?', session: first.session });
      assert.match(text, /expired/);
      assert.equal((await client.listTools()).tools.length, 8);
    } finally {
      await client.close();
    }
  });
}

if (process.env.MCP_GRAFANA_URL) {
  test('the Grafana datasource route: every request a stateless MCP exchange', async () => {
    const [from, to] = JSON.parse(process.env.MCP_GRAFANA_RANGE);
    const client = await connect(new StreamableHTTPClientTransport(new URL(process.env.MCP_GRAFANA_URL)));
    try {
      const { tools } = await client.listTools();
      assert.equal(tools.length, 8);
      const first = await tool(client, 'ask', { question: 'show error logs from order-service', from, to });
      assert.equal(first.total, 68);
      const next = await tool(client, 'ask', { question: 'what about payment-service?', session: first.session });
      assert.equal(next.followUp, true);
      assert.equal(next.plan.query, PAYMENT_ERRORS);
      const trace = await tool(client, 'get_trace', { trace_id: PAYMENT_TRACE, spans: 3 });
      assert.ok(trace.slowest.length <= 3);
      assert.match(await toolError(client, 'ask', { question: 42 }), /invalid type/);
    } finally {
      await client.close();
    }
  });
}
