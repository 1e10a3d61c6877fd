import { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { DataSourceSrv, setDataSourceSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';

import { createInstanceSettings } from '../../test/datasource';
import { AppConfig } from './AppConfig';

const props = { plugin: {}, query: {} } as unknown as PluginConfigPageProps<AppPluginMeta>;

describe('AppConfig', () => {
  it('links to each Querent datasource and to the Ask page', () => {
    setDataSourceSrv({ getList: () => [createInstanceSettings()] } as unknown as DataSourceSrv);
    render(<AppConfig {...props} />);
    expect(screen.getByRole('link', { name: 'Querent' })).toHaveAttribute(
      'href',
      'connections/datasources/edit/querent-test'
    );
    expect(screen.getByRole('link', { name: /open the ask page/i })).toHaveAttribute('href', 'a/querent-nlq-app/ask');
  });

  it('invites to add a datasource when there is none', () => {
    setDataSourceSrv({ getList: () => [] } as unknown as DataSourceSrv);
    render(<AppConfig {...props} />);
    expect(screen.getByText('No Querent datasource yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /add a querent datasource/i })).toBeInTheDocument();
  });
});
