import { DataSourceInstanceSettings, DataSourceSettings } from '@grafana/data';
import { DataSourceSrv, setDataSourceSrv } from '@grafana/runtime';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';

import { mockBackend } from '../../test/backend';
import { createConfigOptions } from '../../test/datasource';
import { QuerentOptions, QuerentSecureJsonData } from '../../types';
import { ConfigEditor } from './ConfigEditor';

type Options = DataSourceSettings<QuerentOptions, QuerentSecureJsonData>;

function setup(initial: Options = createConfigOptions()) {
  const onOptionsChange = jest.fn();
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          onOptionsChange(o);
          setOptions(o);
        }}
      />
    );
  }
  render(<Host />);
  return { onOptionsChange, user: userEvent.setup(), last: (): Options => onOptionsChange.mock.lastCall[0] };
}

function section(name: string) {
  return within(screen.getByRole('group', { name }));
}

function datasources(list: Array<Partial<DataSourceInstanceSettings>>) {
  setDataSourceSrv({
    getList: ({ type }: { type?: string } = {}) => list.filter((d) => !type || d.type === type),
  } as unknown as DataSourceSrv);
}

describe('ConfigEditor', () => {
  beforeEach(() => datasources([]));

  it('writes the Loki and Tempo URLs and tenants to jsonData', async () => {
    const { user, last } = setup();
    await user.type(section('Loki').getByRole('textbox', { name: /loki url/i }), 'http://loki:3100');
    await user.type(section('Tempo').getByRole('textbox', { name: /tempo url/i }), 'http://tempo:3200');
    await user.type(section('Tempo').getByRole('textbox', { name: /tenant/i }), 'shop');
    expect(last().jsonData).toMatchObject({
      lokiUrl: 'http://loki:3100',
      tempoUrl: 'http://tempo:3200',
      tempoTenant: 'shop',
    });
  });

  it('keeps every secret out of jsonData', async () => {
    const { user, last } = setup();
    const loki = section('Loki');
    await user.click(loki.getByRole('radio', { name: 'Bearer token' }));
    await user.type(loki.getByLabelText('Token'), 'loki-secret-token');
    const tempo = section('Tempo');
    await user.click(tempo.getByRole('radio', { name: 'Basic' }));
    await user.type(tempo.getByRole('textbox', { name: 'User' }), 'grafana');
    await user.type(tempo.getByLabelText('Password'), 'tempo-secret-pw');
    await user.click(tempo.getByRole('button', { name: 'Add header' }));
    await user.type(tempo.getByRole('textbox', { name: 'tempo header 1 name' }), 'X-Api-Key');
    await user.type(tempo.getByLabelText('tempo header 1 value'), 'header-secret');
    const llm = section('Language model (optional)');
    await user.click(llm.getByRole('combobox', { name: 'LLM provider' }));
    await user.click(await screen.findByText('OpenAI'));
    await user.type(section('Language model (optional)').getByLabelText('API key'), 'sk-llm-secret');

    const o = last();
    expect(o.secureJsonData).toEqual({
      lokiToken: 'loki-secret-token',
      tempoPassword: 'tempo-secret-pw',
      tempoHeaderValue1: 'header-secret',
      llmApiKey: 'sk-llm-secret',
    });
    expect(o.jsonData).toMatchObject({
      lokiAuth: 'bearer',
      tempoAuth: 'basic',
      tempoUser: 'grafana',
      tempoHeaderName1: 'X-Api-Key',
      llmProvider: 'openai',
    });
    const json = JSON.stringify(o.jsonData);
    for (const secret of ['loki-secret-token', 'tempo-secret-pw', 'header-secret', 'sk-llm-secret']) {
      expect(json).not.toContain(secret);
    }
  });

  it('shows stored secrets as configured and resets them', async () => {
    const { user, last } = setup(
      createConfigOptions({
        jsonData: { lokiAuth: 'bearer', llmProvider: 'openai' },
        secureJsonFields: { lokiToken: true, llmApiKey: true },
      })
    );
    const loki = section('Loki');
    expect(loki.getByDisplayValue('configured')).toBeDisabled();
    await user.click(loki.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.lokiToken).toBe(false);
    expect(last().secureJsonData?.lokiToken).toBe('');
    expect(last().secureJsonFields.llmApiKey).toBe(true);
  });

  it('persists the LLM settings, including the inert ones', async () => {
    const { user, last } = setup(createConfigOptions({ jsonData: { llmProvider: 'openai-compatible' } }));
    const llm = section('Language model (optional)');
    await user.type(llm.getByRole('textbox', { name: /base url/i }), 'http://ollama:11434');
    await user.type(llm.getByRole('textbox', { name: /model/i }), 'qwen2.5:7b');
    await user.type(llm.getByRole('spinbutton', { name: /timeout/i }), '90');
    await user.click(llm.getByRole('radio', { name: 'Redacted' }));
    expect(last().jsonData).toMatchObject({
      llmProvider: 'openai-compatible',
      llmBaseUrl: 'http://ollama:11434',
      llmModel: 'qwen2.5:7b',
      llmTimeoutSeconds: 90,
      llmPrivacy: 'redacted',
    });
    expect(llm.getByText(/log lines with secrets, ids and addresses masked/i)).toBeInTheDocument();
  });

  it('writes limits as numbers and clears them when emptied', async () => {
    const { user, last } = setup(createConfigOptions({ jsonData: { maxLines: 500 } }));
    const limits = section('Limits');
    await user.type(limits.getByRole('spinbutton', { name: /timeout/i }), '15');
    expect(last().jsonData.timeoutSeconds).toBe(15);
    await user.clear(limits.getByRole('spinbutton', { name: /maximum log lines/i }));
    expect(last().jsonData.maxLines).toBeUndefined();
  });

  it('copies the URL of an existing Grafana Loki datasource, never its secrets', async () => {
    datasources([{ uid: 'loki-uid', name: 'Shop Loki', type: 'loki' }]);
    mockBackend({
      'api/datasources/uid/loki-uid': () => ({
        url: 'http://loki.shop:3100',
        basicAuth: true,
        basicAuthUser: 'reader',
      }),
    });
    const { user, last } = setup();
    const loki = section('Loki');
    await user.click(loki.getByRole('combobox', { name: /copy from a grafana loki datasource/i }));
    await user.click(await screen.findByText('Shop Loki'));
    expect(await section('Loki').findByDisplayValue('http://loki.shop:3100')).toBeInTheDocument();
    expect(last().jsonData).toMatchObject({
      lokiUrl: 'http://loki.shop:3100',
      lokiDatasourceUid: 'loki-uid',
      lokiAuth: 'basic',
      lokiUser: 'reader',
    });
    expect(last().secureJsonData).toEqual({});
    expect(screen.getByText(/grafana never reveals stored secrets/i)).toBeInTheDocument();
  });

  it('removes an extra header and its stored value', async () => {
    const { user, last } = setup(
      createConfigOptions({
        jsonData: { lokiHeaderName1: 'X-A', lokiHeaderName2: 'X-B' },
        secureJsonFields: { lokiHeaderValue2: true },
      })
    );
    const loki = section('Loki');
    await user.click(loki.getAllByRole('button', { name: 'Remove header' })[1]);
    expect(last().jsonData.lokiHeaderName2).toBeUndefined();
    expect(last().jsonData.lokiHeaderName1).toBe('X-A');
    expect(last().secureJsonFields.lokiHeaderValue2).toBe(false);
  });
});
