import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Stack } from '@grafana/ui';

import { QuerentOptions, QuerentSecureJsonData } from '../../types';
import { LimitsSection } from './LimitsSection';
import { LlmSection } from './LlmSection';
import { PeerSection } from './PeerSection';

type Props = DataSourcePluginOptionsEditorProps<QuerentOptions, QuerentSecureJsonData>;

/** Datasource settings: Loki, Tempo, limits and the optional LLM. "Save & test" shows the backend's health check. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  return (
    <Stack direction="column" gap={2}>
      <PeerSection peer="loki" options={options} onOptionsChange={onOptionsChange} />
      <PeerSection peer="tempo" options={options} onOptionsChange={onOptionsChange} />
      <LimitsSection options={options} onOptionsChange={onOptionsChange} />
      <LlmSection options={options} onOptionsChange={onOptionsChange} />
    </Stack>
  );
}
