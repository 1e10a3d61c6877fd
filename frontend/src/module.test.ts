import { plugin as app } from './module';
import { plugin as datasource } from './datasource/module';
import { QuerentDataSource } from './datasource/datasource';
import { plugin as panel } from './panel/module';

describe('plugin modules', () => {
  it('the app has a root page and its configuration page', () => {
    expect(app.root).toBeDefined();
    expect(app.configPages?.map((p) => p.id)).toEqual(['configuration']);
  });

  it('the datasource has its class, query editor and config editor', () => {
    expect(datasource.DataSourceClass).toBe(QuerentDataSource);
    expect(datasource.components.QueryEditor).toBeDefined();
    expect(datasource.components.ConfigEditor).toBeDefined();
  });

  it('the answer panel has its component and options', () => {
    expect(panel.panel).toBeDefined();
    expect(panel.getPanelOptionsSupplier()).toBeInstanceOf(Function);
  });
});
