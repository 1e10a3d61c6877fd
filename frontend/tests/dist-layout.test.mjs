// Checks the built dist/ the way Grafana reads it: every manifest parses, ids and types match the contract,
// the app includes its datasource and panel, the datasource names the backend executable, and every
// plugin's module.js is an AMD module next to its manifest with its logos. Run after `npm run build`.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const manifest = (dir) => JSON.parse(readFileSync(join(DIST, dir, 'plugin.json'), 'utf8'));

const PLUGINS = [
  { dir: '.', id: 'querent-nlq-app', type: 'app' },
  { dir: 'datasource', id: 'querent-nlq-datasource', type: 'datasource' },
  { dir: 'panel', id: 'querent-answer-panel', type: 'panel' },
];

for (const { dir, id, type } of PLUGINS) {
  test(`${id}: manifest, AMD module and logos in dist/${dir}`, () => {
    const m = manifest(dir);
    assert.equal(m.id, id);
    assert.equal(m.type, type);
    assert.match(m.info.version, /^\d+\.\d+\.\d+/, 'version stamped at build time');
    assert.match(m.info.updated, /^\d{4}-\d{2}-\d{2}$/, 'date stamped at build time');
    assert.ok(m.dependencies.grafanaDependency, 'grafanaDependency set');
    for (const logo of Object.values(m.info.logos)) {
      assert.ok(existsSync(join(DIST, dir, logo)), `logo ${logo} exists`);
    }
    const module = readFileSync(join(DIST, dir, 'module.js'), 'utf8');
    assert.match(module.slice(0, 200), /^define\(\[/, 'module.js is AMD');
    for (const shared of ['react', '@grafana/data']) {
      assert.ok(module.slice(0, 500).includes(`"${shared}"`), `${shared} is external`);
    }
  });
}

test('the app includes the datasource, the panel and its pages', () => {
  const app = manifest('.');
  assert.equal(app.autoEnabled, true);
  const includes = app.includes.map((i) => `${i.type}:${i.id ?? i.path}`);
  assert.ok(includes.includes('datasource:querent-nlq-datasource'));
  assert.ok(includes.includes('panel:querent-answer-panel'));
  assert.ok(includes.includes('page:/a/querent-nlq-app/ask'));
  const nested = readdirSync(DIST, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(DIST, e.name, 'plugin.json')))
    .map((e) => manifest(e.name).id)
    .sort();
  assert.deepEqual(nested, ['querent-answer-panel', 'querent-nlq-datasource']);
});

test('the datasource is a backend plugin with every capability and the gpx_querent executable', () => {
  const ds = manifest('datasource');
  assert.equal(ds.backend, true);
  assert.equal(ds.executable, 'gpx_querent');
  for (const flag of ['alerting', 'annotations', 'logs', 'tracing', 'metrics']) {
    assert.equal(ds[flag], true, flag);
  }
  // the backend binary is added by the backend's `make dist`; when present it must match the executable
  const binaries = readdirSync(join(DIST, 'datasource')).filter((f) => f.startsWith('gpx_'));
  for (const b of binaries) {
    assert.match(b, /^gpx_querent_(linux|darwin|windows)_(amd64|arm64|arm)(\.exe)?$/);
  }
});
