/** Factories for the datasource and its settings (like Grafana's Loki `__mocks__`). */
import { DataSourceInstanceSettings, DataSourcePluginMeta, DataSourceSettings, PluginType } from '@grafana/data';
import { setTemplateSrv, TemplateSrv } from '@grafana/runtime';

import { DATASOURCE_TYPE } from '../constants';
import { QuerentDataSource } from '../datasource/datasource';
import { QuerentOptions, QuerentSecureJsonData } from '../types';

export const TEST_UID = 'querent-test';

const meta = {
  id: DATASOURCE_TYPE,
  name: 'Querent',
  type: PluginType.datasource,
  module: '',
  baseUrl: '',
  info: {
    author: { name: 'Querent' },
    description: '',
    links: [],
    logos: { small: '', large: '' },
    screenshots: [],
    updated: '',
    version: '',
  },
} as DataSourcePluginMeta;

export function createInstanceSettings(jsonData: QuerentOptions = {}): DataSourceInstanceSettings<QuerentOptions> {
  return {
    id: 1,
    uid: TEST_UID,
    type: DATASOURCE_TYPE,
    name: 'Querent',
    meta,
    jsonData,
    access: 'proxy',
    readOnly: false,
  };
}

/** The real datasource class, talking to whatever `mockBackend` serves. */
export function createDatasource(jsonData: QuerentOptions = {}): QuerentDataSource {
  return new QuerentDataSource(createInstanceSettings(jsonData));
}

/** A template service that replaces `$name` with the given values (dashboard variables). */
export function mockTemplateSrv(vars: Record<string, string> = {}) {
  const srv = {
    replace: (text?: string) => (text ?? '').replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m),
    getVariables: () => [],
    containsTemplate: (text?: string) => /\$\w+/.test(text ?? ''),
    updateTimeRange: () => {},
  };
  setTemplateSrv(srv as unknown as TemplateSrv);
  return srv;
}

export function createConfigOptions(
  overrides: Partial<DataSourceSettings<QuerentOptions, QuerentSecureJsonData>> = {}
): DataSourceSettings<QuerentOptions, QuerentSecureJsonData> {
  return {
    id: 1,
    uid: TEST_UID,
    orgId: 1,
    name: 'Querent',
    typeLogoUrl: '',
    type: DATASOURCE_TYPE,
    typeName: 'Querent',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    secureJsonData: {},
    ...overrides,
  };
}
