/**
 * A page that mounts the query editor and the Ask page as Grafana would, with @grafana/ui's theme, against
 * recorded backend responses served by tests/browser.test.mjs. Built by webpack.harness.js.
 */
import { createTheme, DataSourceApi, getDefaultTimeRange } from '@grafana/data';
import {
  BackendSrv,
  BackendSrvRequest,
  DataSourceSrv,
  FetchResponse,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  TemplateSrv,
} from '@grafana/runtime';
import { GlobalStyles, Stack, Text, ThemeContext } from '@grafana/ui';
import { setPanelRenderer } from 'grafana-runtime-internal-panel-renderer';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { from, Observable } from 'rxjs';
import uplotCss from 'uplot/dist/uPlot.min.css';

import { QuerentDataSource } from '../../src/datasource/datasource';
import { QueryEditor } from '../../src/datasource/QueryEditor/QueryEditor';
import { AskPage } from '../../src/pages/Ask/AskPage';
import { createInstanceSettings } from '../../src/test/datasource';
import { QuerentQuery } from '../../src/types';
import { HarnessPanelRenderer } from './HarnessPanelRenderer';

async function send(request: BackendSrvRequest): Promise<FetchResponse> {
  const params = request.params ? `?${new URLSearchParams(request.params as Record<string, string>)}` : '';
  const res = await fetch(`${request.url}${params}`, {
    method: request.method ?? 'GET',
    headers: { 'Content-Type': 'application/json', ...(request.headers ?? {}) },
    body: request.data === undefined ? undefined : JSON.stringify(request.data),
  });
  const text = await res.text();
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // plain-text bodies stay text, as Grafana's fetch keeps them
  }
  if (!res.ok) {
    throw { status: res.status, statusText: res.statusText, data, config: request };
  }
  return {
    data,
    status: res.status,
    statusText: res.statusText,
    ok: true,
    headers: res.headers,
    redirected: false,
    type: 'basic',
    url: res.url,
    config: request,
  } as FetchResponse;
}

// Grafana loads uPlot's stylesheet globally; time series panels need it
const style = document.createElement('style');
style.textContent = uplotCss;
document.head.append(style);

setBackendSrv({
  fetch: (r: BackendSrvRequest): Observable<FetchResponse> => from(send(r)),
  get: (url: string, params?: Record<string, string>) => send({ url, params }).then((r) => r.data),
} as unknown as BackendSrv);
setTemplateSrv({ replace: (s?: string) => s ?? '', getVariables: () => [] } as unknown as TemplateSrv);
setPanelRenderer(HarnessPanelRenderer);

const settings = createInstanceSettings({ lokiUrl: 'http://loki:3100', tempoUrl: 'http://tempo:3200' });
const datasource = new QuerentDataSource(settings);
setDataSourceSrv({
  getList: () => [settings],
  get: async () => datasource as unknown as DataSourceApi,
  getInstanceSettings: () => settings,
} as unknown as DataSourceSrv);

const theme = createTheme({ colors: { mode: 'dark' } });

function EditorHost() {
  const [query, setQuery] = useState<QuerentQuery>({ refId: 'A', editorMode: 'question', question: '' });
  const [runs, setRuns] = useState(0);
  return (
    <section aria-label="Query editor (Explore)">
      <Stack direction="column" gap={1}>
        <Text element="h2" variant="h4">
          Query editor
        </Text>
        <QueryEditor
          datasource={datasource}
          query={query}
          range={getDefaultTimeRange()}
          onChange={setQuery}
          onRunQuery={() => setRuns((n) => n + 1)}
        />
        <Text color="secondary" variant="bodySmall">
          <span data-testid="harness-query-model">{JSON.stringify({ ...query, runs })}</span>
        </Text>
      </Stack>
    </section>
  );
}

function Harness() {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ display: 'grid', gridTemplateColumns: '560px 1fr', gap: 24, padding: 24, alignItems: 'start' }}>
        <EditorHost />
        <section aria-label="Ask page">
          <Text element="h2" variant="h4">
            Ask
          </Text>
          <AskPage />
        </section>
      </div>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
