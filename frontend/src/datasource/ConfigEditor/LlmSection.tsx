import { SelectableValue } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, Select } from '@grafana/ui';

import { LlmPrivacy, LlmProvider } from '../../types';
import { HeadersEditor } from './HeadersEditor';
import { isSecretConfigured, Options, parseNumber, resetSecure, updateJson, updateSecure } from './settings';

interface Props {
  options: Options;
  onOptionsChange: (options: Options) => void;
}

export const PROVIDER_OPTIONS: Array<SelectableValue<LlmProvider>> = [
  { label: 'None (embedded translator only)', value: 'none' },
  { label: 'OpenAI', value: 'openai' },
  { label: 'Azure OpenAI', value: 'azure' },
  { label: 'OpenAI-compatible (Ollama, vLLM, llama.cpp, LiteLLM)', value: 'openai-compatible' },
  { label: 'Grafana LLM app', value: 'grafana-llm-app' },
];

const PRIVACY_OPTIONS: Array<SelectableValue<LlmPrivacy>> = [
  { label: 'Off', value: 'off', description: 'Nothing from your data goes to the model.' },
  { label: 'Metadata', value: 'metadata', description: 'Label names, services and counts only.' },
  { label: 'Redacted', value: 'redacted', description: 'Log lines with secrets, ids and addresses masked.' },
  { label: 'Full', value: 'full', description: 'Log lines as they are.' },
];

const PRIVACY_HELP: Record<LlmPrivacy, string> = {
  off: 'Nothing from your data goes to the model.',
  metadata: 'The model sees label names, services and counts, never log lines.',
  redacted: 'The model sees log lines with secrets, ids and addresses masked.',
  full: 'The model sees log lines as they are.',
};

/** The optional LLM: which one, how to reach it, and what of your data it may see. */
export function LlmSection({ options, onOptionsChange }: Props) {
  const j = options.jsonData;
  const provider = j.llmProvider ?? 'none';
  const privacy = j.llmPrivacy ?? 'metadata';
  const secure = options.secureJsonData ?? {};
  const enabled = provider !== 'none';

  return (
    <FieldSet label="Language model (optional)">
      <Field
        label="Provider"
        description="Questions are always answered by the embedded translator; an LLM improves unusual questions and summaries."
      >
        <Select
          aria-label="LLM provider"
          width={60}
          options={PROVIDER_OPTIONS}
          value={provider}
          onChange={(v) => onOptionsChange(updateJson(options, { llmProvider: v.value }))}
        />
      </Field>
      {enabled && (
        <>
          {provider !== 'grafana-llm-app' && (
            <>
              <Field label="Base URL" description="e.g. https://api.openai.com or http://ollama:11434">
                <Input
                  width={60}
                  value={j.llmBaseUrl ?? ''}
                  onChange={(e) => onOptionsChange(updateJson(options, { llmBaseUrl: e.currentTarget.value }))}
                />
              </Field>
              <Field label="API key">
                <SecretInput
                  width={60}
                  isConfigured={isSecretConfigured(options, 'llmApiKey')}
                  value={secure.llmApiKey ?? ''}
                  onChange={(e) => onOptionsChange(updateSecure(options, 'llmApiKey', e.currentTarget.value))}
                  onReset={() => onOptionsChange(resetSecure(options, 'llmApiKey'))}
                />
              </Field>
            </>
          )}
          <Field label="Model" description="e.g. gpt-4o-mini or qwen2.5:7b">
            <Input
              width={40}
              value={j.llmModel ?? ''}
              onChange={(e) => onOptionsChange(updateJson(options, { llmModel: e.currentTarget.value }))}
            />
          </Field>
          <Field label="Timeout (seconds)">
            <Input
              type="number"
              min={1}
              width={16}
              placeholder="120"
              value={j.llmTimeoutSeconds ?? ''}
              onChange={(e) =>
                onOptionsChange(updateJson(options, { llmTimeoutSeconds: parseNumber(e.currentTarget.value) }))
              }
            />
          </Field>
          <Field label="Maximum tokens">
            <Input
              type="number"
              min={1}
              width={16}
              value={j.llmMaxTokens ?? ''}
              onChange={(e) =>
                onOptionsChange(updateJson(options, { llmMaxTokens: parseNumber(e.currentTarget.value) }))
              }
            />
          </Field>
          <Field label="Temperature">
            <Input
              type="number"
              min={0}
              max={2}
              step={0.1}
              width={16}
              value={j.llmTemperature ?? ''}
              onChange={(e) =>
                onOptionsChange(updateJson(options, { llmTemperature: parseNumber(e.currentTarget.value) }))
              }
            />
          </Field>
          <Field label="Extra headers" description="e.g. a gateway key; values are stored encrypted.">
            <HeadersEditor owner="llm" options={options} onOptionsChange={onOptionsChange} />
          </Field>
        </>
      )}
      <Field label="Privacy" description={PRIVACY_HELP[privacy]}>
        <RadioButtonGroup<LlmPrivacy>
          options={PRIVACY_OPTIONS}
          value={privacy}
          onChange={(v) => onOptionsChange(updateJson(options, { llmPrivacy: v }))}
        />
      </Field>
    </FieldSet>
  );
}
