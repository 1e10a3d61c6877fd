/**
 * Pure updaters of the datasource settings. Every change returns a new options object; secrets go only to
 * `secureJsonData` (and Grafana reports them back only as `secureJsonFields[key] = true`).
 */
import { DataSourceSettings } from '@grafana/data';

import { HeaderOwner, QuerentOptions, QuerentSecureJsonData, SecureKey } from '../../types';

export type Options = DataSourceSettings<QuerentOptions, QuerentSecureJsonData>;

export function updateJson(options: Options, patch: Partial<QuerentOptions>): Options {
  return { ...options, jsonData: { ...options.jsonData, ...patch } };
}

export function updateSecure(options: Options, key: SecureKey, value: string): Options {
  return { ...options, secureJsonData: { ...(options.secureJsonData ?? {}), [key]: value } };
}

/** Forget a stored secret: Grafana deletes it when the field is reset and saved with an empty value. */
export function resetSecure(options: Options, key: SecureKey): Options {
  return {
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...(options.secureJsonData ?? {}), [key]: '' },
  };
}

export function isSecretConfigured(options: Options, key: SecureKey): boolean {
  return Boolean(options.secureJsonFields?.[key]);
}

export interface HeaderEntry {
  /** The N of `lokiHeaderNameN`. */
  index: number;
  name: string;
  valueConfigured: boolean;
}

const nameKey = (owner: HeaderOwner, i: number) => `${owner}HeaderName${i}` as const;
const valueKey = (owner: HeaderOwner, i: number) => `${owner}HeaderValue${i}` as const;

/** The extra headers of Loki, Tempo or the LLM, in index order. */
export function headersOf(options: Options, owner: HeaderOwner): HeaderEntry[] {
  const entries: HeaderEntry[] = [];
  const re = new RegExp(`^${owner}HeaderName(\\d+)$`);
  for (const [key, value] of Object.entries(options.jsonData)) {
    const m = re.exec(key);
    if (m && typeof value === 'string') {
      const index = Number(m[1]);
      entries.push({ index, name: value, valueConfigured: isSecretConfigured(options, valueKey(owner, index)) });
    }
  }
  return entries.sort((a, b) => a.index - b.index);
}

export function addHeader(options: Options, owner: HeaderOwner): Options {
  const next = Math.max(0, ...headersOf(options, owner).map((h) => h.index)) + 1;
  return updateJson(options, { [nameKey(owner, next)]: '' });
}

export function setHeaderName(options: Options, owner: HeaderOwner, index: number, name: string): Options {
  return updateJson(options, { [nameKey(owner, index)]: name });
}

export function setHeaderValue(options: Options, owner: HeaderOwner, index: number, value: string): Options {
  return updateSecure(options, valueKey(owner, index), value);
}

export function resetHeaderValue(options: Options, owner: HeaderOwner, index: number): Options {
  return resetSecure(options, valueKey(owner, index));
}

/** Removes the header; its stored value is reset so Grafana deletes it. */
export function removeHeader(options: Options, owner: HeaderOwner, index: number): Options {
  const { [nameKey(owner, index)]: _removed, ...jsonData } = options.jsonData;
  return resetSecure({ ...options, jsonData: jsonData as QuerentOptions }, valueKey(owner, index));
}

/** A number typed into a field: empty or invalid clears the setting (the backend default applies). */
export function parseNumber(text: string): number | undefined {
  if (text.trim() === '') {
    return undefined;
  }
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
