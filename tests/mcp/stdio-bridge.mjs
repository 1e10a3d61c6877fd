// An HTTP front for `querent mcp` on stdio, so that the conformance suite (which speaks streamable HTTP
// only) can test the stdio server: each MCP session that initializes over HTTP gets its own
// `querent mcp` child, and messages are relayed unchanged both ways by the official TypeScript SDK's
// transports. The bridge adds nothing of its own to the protocol.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const isInitialize = (body) =>
  (Array.isArray(body) ? body : [body]).some((m) => m && typeof m === 'object' && m.method === 'initialize');

/** Starts the bridge on 127.0.0.1 (a free port); resolves to `{ url, close }`. */
export async function startStdioBridge(command, args) {
  const sessions = new Map();
  const children = new Set();
  const server = http.createServer(async (req, res) => {
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = sid ? sessions.get(sid) : undefined;
      if (!transport && !sid && req.method === 'POST' && isInitialize(body)) {
        const child = new StdioClientTransport({ command, args, stderr: 'ignore' });
        children.add(child);
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => sessions.set(id, transport),
        });
        const front = transport;
        front.onmessage = (message) => child.send(message).catch(() => {});
        child.onmessage = (message) => front.send(message).catch(() => {});
        front.onclose = () => {
          children.delete(child);
          child.close().catch(() => {});
        };
        await child.start();
        await front.start();
      }
      if (!transport) {
        res.writeHead(sid ? 404 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no such session' } }));
        return;
      }
      await transport.handleRequest(req, res, body);
    } catch (e) {
      if (!res.headersSent) {
        res.writeHead(500);
      }
      res.end(String(e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      for (const c of children) await c.close().catch(() => {});
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
