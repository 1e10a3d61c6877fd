import { DataSourcePlugin } from '@grafana/data';

import { QuerentOptions, QuerentQuery, QuerentSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor/ConfigEditor';
import { QuerentDataSource } from './datasource';
import { QueryEditor } from './QueryEditor/QueryEditor';

export const plugin = new DataSourcePlugin<QuerentDataSource, QuerentQuery, QuerentOptions, QuerentSecureJsonData>(
  QuerentDataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
