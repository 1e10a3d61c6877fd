import { PanelPlugin } from '@grafana/data';

import { AnswerPanel } from './AnswerPanel';
import { AnswerPanelOptions, buildOptions } from './options';

export const plugin = new PanelPlugin<AnswerPanelOptions>(AnswerPanel).setPanelOptions(buildOptions);
