// Serves the UI harness and answers Grafana's HTTP routes (datasource resources, /api/ds/query) with the
// recorded responses in fixtures/, as a Grafana with a Querent backend would.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, 'fixtures');
const ICONS = join(HERE, '..', 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');

const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const translations = fixture('translate.json');
const answers = fixture('queries.json');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** What a Grafana with a Querent backend would answer, from the recorded fixtures. */
export function api(method, path, body) {
  if (method === 'POST' && path.endsWith('/resources/translate')) {
    const hit = translations.find((t) => t.question === body.question);
    return hit ? [200, hit.response] : [422, { error: `no recorded translation for "${body.question}"` }];
  }
  if (method === 'GET' && path.endsWith('/resources/examples')) {
    return [200, fixture('examples.json')];
  }
  if (method === 'GET' && path.endsWith('/resources/services')) {
    return [200, fixture('services.json')];
  }
  if (method === 'POST' && path === '/api/ds/query') {
    const question = body.queries?.[0]?.question;
    const hit = answers.find((a) => a.question === question);
    return hit ? [200, fixture(hit.file)] : [400, { message: `no recorded answer for "${question}"` }];
  }
  return [404, { message: `not found: ${method} ${path}` }];
}

/** Starts the server on a free loopback port; `requests` records every API call with its JSON body. */
export async function startHarnessServer(root) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (url.pathname.startsWith('/api/')) {
        let body = {};
        try {
          body = raw ? JSON.parse(raw) : {};
        } catch {
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end('malformed JSON');
          return;
        }
        requests.push({ method: req.method, path: url.pathname, body });
        const [status, payload] = api(req.method, url.pathname, body);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
        return;
      }
      const icon = url.pathname.startsWith('/public/build/img/icons/');
      const base = icon ? ICONS : root;
      const rel = icon ? url.pathname.slice('/public/build/img/icons/'.length) : url.pathname;
      const file = normalize(join(base, rel === '/' ? 'index.html' : rel));
      if (!file.startsWith(base) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
