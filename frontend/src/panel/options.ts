import { PanelOptionsEditorBuilder } from '@grafana/data';

export interface AnswerPanelOptions {
  showSummary: boolean;
  showNumbers: boolean;
  showQuery: boolean;
  showExploreLink: boolean;
}

export const DEFAULT_OPTIONS: AnswerPanelOptions = {
  showSummary: true,
  showNumbers: true,
  showQuery: false,
  showExploreLink: true,
};

export function buildOptions(builder: PanelOptionsEditorBuilder<AnswerPanelOptions>) {
  return builder
    .addBooleanSwitch({ path: 'showSummary', name: 'Summary', defaultValue: DEFAULT_OPTIONS.showSummary })
    .addBooleanSwitch({ path: 'showNumbers', name: 'Key numbers', defaultValue: DEFAULT_OPTIONS.showNumbers })
    .addBooleanSwitch({ path: 'showQuery', name: 'Query that ran', defaultValue: DEFAULT_OPTIONS.showQuery })
    .addBooleanSwitch({
      path: 'showExploreLink',
      name: 'Link to Explore',
      defaultValue: DEFAULT_OPTIONS.showExploreLink,
    });
}
