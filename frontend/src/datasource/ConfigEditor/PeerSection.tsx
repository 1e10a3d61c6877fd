import { SelectableValue } from '@grafana/data';
import { Alert, Field, FieldSet, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';
import { useState } from 'react';

import { AuthMode, Peer, QuerentOptions } from '../../types';
import { GrafanaSourcePicker, PickedSource } from './GrafanaSourcePicker';
import { HeadersEditor } from './HeadersEditor';
import { isSecretConfigured, Options, resetSecure, updateJson, updateSecure } from './settings';

interface Props {
  peer: Peer;
  options: Options;
  onOptionsChange: (options: Options) => void;
}

const AUTH_OPTIONS: Array<SelectableValue<AuthMode>> = [
  { label: 'No authentication', value: 'none' },
  { label: 'Basic', value: 'basic' },
  { label: 'Bearer token', value: 'bearer' },
];

const TITLES: Record<Peer, { name: string; example: string }> = {
  loki: { name: 'Loki', example: 'http://loki:3100' },
  tempo: { name: 'Tempo', example: 'http://tempo:3200' },
};

/** Where Loki or Tempo is and how to authenticate to it. */
export function PeerSection({ peer, options, onOptionsChange }: Props) {
  const { name, example } = TITLES[peer];
  const [pickError, setPickError] = useState<string>();
  const [copied, setCopied] = useState(false);
  const j = options.jsonData;
  const key = <K extends 'Url' | 'Auth' | 'User' | 'Tenant' | 'DatasourceUid'>(k: K) =>
    `${peer}${k}` as `${Peer}${K}` & keyof QuerentOptions;
  const auth: AuthMode = (j[key('Auth')] as AuthMode | undefined) ?? 'none';
  const secure = options.secureJsonData ?? {};

  const onPick = (picked: PickedSource) => {
    setPickError(undefined);
    setCopied(true);
    onOptionsChange(
      updateJson(options, {
        [key('DatasourceUid')]: picked.uid,
        [key('Url')]: picked.url,
        ...(picked.basicAuthUser ? { [key('Auth')]: 'basic', [key('User')]: picked.basicAuthUser } : {}),
      })
    );
  };

  return (
    <FieldSet label={name}>
      <Field
        label="Use a Grafana datasource"
        description={`Copies the URL of one of this Grafana's ${name} datasources. Its credentials are not copied.`}
      >
        <GrafanaSourcePicker
          peer={peer}
          value={j[key('DatasourceUid')] as string | undefined}
          onPick={onPick}
          onError={setPickError}
        />
      </Field>
      {pickError && <Alert severity="warning" title={pickError} />}
      {copied && auth !== 'none' && (
        <Alert severity="info" title="Enter the password or token below: Grafana never reveals stored secrets." />
      )}
      <Field label={`${name} URL`} description={`Base URL, e.g. ${example}`} required>
        <Input
          width={60}
          placeholder={example}
          value={(j[key('Url')] as string | undefined) ?? ''}
          onChange={(e) => onOptionsChange(updateJson(options, { [key('Url')]: e.currentTarget.value }))}
        />
      </Field>
      <Field label="Authentication">
        <RadioButtonGroup<AuthMode>
          options={AUTH_OPTIONS}
          value={auth}
          onChange={(v) => onOptionsChange(updateJson(options, { [key('Auth')]: v }))}
        />
      </Field>
      {auth === 'basic' && (
        <>
          <Field label="User">
            <Input
              width={40}
              value={(j[key('User')] as string | undefined) ?? ''}
              onChange={(e) => onOptionsChange(updateJson(options, { [key('User')]: e.currentTarget.value }))}
            />
          </Field>
          <Field label="Password">
            <SecretInput
              width={40}
              isConfigured={isSecretConfigured(options, `${peer}Password`)}
              value={secure[`${peer}Password`] ?? ''}
              onChange={(e) => onOptionsChange(updateSecure(options, `${peer}Password`, e.currentTarget.value))}
              onReset={() => onOptionsChange(resetSecure(options, `${peer}Password`))}
            />
          </Field>
        </>
      )}
      {auth === 'bearer' && (
        <Field label="Token">
          <SecretInput
            width={60}
            isConfigured={isSecretConfigured(options, `${peer}Token`)}
            value={secure[`${peer}Token`] ?? ''}
            onChange={(e) => onOptionsChange(updateSecure(options, `${peer}Token`, e.currentTarget.value))}
            onReset={() => onOptionsChange(resetSecure(options, `${peer}Token`))}
          />
        </Field>
      )}
      <Field label="Tenant" description="Sent as X-Scope-OrgID for multi-tenant setups. Empty: not sent.">
        <Input
          width={40}
          value={(j[key('Tenant')] as string | undefined) ?? ''}
          onChange={(e) => onOptionsChange(updateJson(options, { [key('Tenant')]: e.currentTarget.value }))}
        />
      </Field>
      <Field label="Extra headers" description="Sent with every request; values are stored encrypted.">
        <HeadersEditor owner={peer} options={options} onOptionsChange={onOptionsChange} />
      </Field>
    </FieldSet>
  );
}
