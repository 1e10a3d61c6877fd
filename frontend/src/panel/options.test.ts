import { PanelOptionsEditorBuilder } from '@grafana/data';

import { AnswerPanelOptions, buildOptions } from './options';

describe('answer panel options', () => {
  it('offers a switch per part of the answer with its default', () => {
    const added: Array<[string, unknown]> = [];
    const builder = {
      addBooleanSwitch(item: { path: string; defaultValue?: unknown }) {
        added.push([item.path, item.defaultValue]);
        return builder;
      },
    };
    buildOptions(builder as unknown as PanelOptionsEditorBuilder<AnswerPanelOptions>);
    expect(added).toEqual([
      ['showSummary', true],
      ['showNumbers', true],
      ['showQuery', false],
      ['showExploreLink', true],
    ]);
  });
});
