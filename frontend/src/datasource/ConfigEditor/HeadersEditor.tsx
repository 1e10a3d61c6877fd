import { Button, IconButton, Input, SecretInput, Stack } from '@grafana/ui';

import { HeaderOwner } from '../../types';
import {
  addHeader,
  headersOf,
  Options,
  removeHeader,
  resetHeaderValue,
  setHeaderName,
  setHeaderValue,
} from './settings';

interface Props {
  owner: HeaderOwner;
  options: Options;
  onOptionsChange: (options: Options) => void;
}

/** Extra HTTP headers: names in jsonData, values (often keys) only in secureJsonData. */
export function HeadersEditor({ owner, options, onOptionsChange }: Props) {
  const headers = headersOf(options, owner);
  const secure = options.secureJsonData ?? {};
  return (
    <Stack direction="column" gap={1}>
      {headers.map((h) => (
        <Stack key={h.index} direction="row" gap={1} alignItems="center">
          <Input
            aria-label={`${owner} header ${h.index} name`}
            placeholder="Header name"
            width={24}
            value={h.name}
            onChange={(e) => onOptionsChange(setHeaderName(options, owner, h.index, e.currentTarget.value))}
          />
          <SecretInput
            aria-label={`${owner} header ${h.index} value`}
            placeholder="Header value"
            width={32}
            isConfigured={h.valueConfigured}
            value={secure[`${owner}HeaderValue${h.index}`] ?? ''}
            onChange={(e) => onOptionsChange(setHeaderValue(options, owner, h.index, e.currentTarget.value))}
            onReset={() => onOptionsChange(resetHeaderValue(options, owner, h.index))}
          />
          <IconButton
            name="trash-alt"
            tooltip="Remove header"
            onClick={() => onOptionsChange(removeHeader(options, owner, h.index))}
          />
        </Stack>
      ))}
      <div>
        <Button size="sm" variant="secondary" icon="plus" onClick={() => onOptionsChange(addHeader(options, owner))}>
          Add header
        </Button>
      </div>
    </Stack>
  );
}
