import { Field, FieldSet, Input } from '@grafana/ui';

import { QuerentOptions } from '../../types';
import { Options, parseNumber, updateJson } from './settings';

interface Props {
  options: Options;
  onOptionsChange: (options: Options) => void;
}

type NumberKey = 'timeoutSeconds' | 'maxLines' | 'maxTraces';

const FIELDS: Array<{ key: NumberKey; label: string; description: string; placeholder: string }> = [
  {
    key: 'timeoutSeconds',
    label: 'Timeout (seconds)',
    description: 'Per request to Loki or Tempo.',
    placeholder: '30',
  },
  {
    key: 'maxLines',
    label: 'Maximum log lines',
    description: 'When the question or query gives no limit.',
    placeholder: '1000',
  },
  { key: 'maxTraces', label: 'Maximum traces', description: 'Trace search limit.', placeholder: '20' },
];

/** Guardrails: how long and how much one query may take. Empty fields use the defaults shown. */
export function LimitsSection({ options, onOptionsChange }: Props) {
  return (
    <FieldSet label="Limits">
      {FIELDS.map((f) => (
        <Field key={f.key} label={f.label} description={f.description}>
          <Input
            type="number"
            min={1}
            width={16}
            placeholder={f.placeholder}
            value={options.jsonData[f.key] ?? ''}
            onChange={(e) =>
              onOptionsChange(
                updateJson(options, { [f.key]: parseNumber(e.currentTarget.value) } as Partial<QuerentOptions>)
              )
            }
          />
        </Field>
      ))}
    </FieldSet>
  );
}
