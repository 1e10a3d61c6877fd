import { SelectableValue } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { Select } from '@grafana/ui';
import { useMemo, useState } from 'react';

import { errorMessage } from '../../api';
import { Peer } from '../../types';

/** What the picked Grafana datasource tells us about its peer (never its secrets: Grafana does not send them). */
export interface PickedSource {
  uid: string;
  url: string;
  basicAuthUser?: string;
}

interface Props {
  peer: Peer;
  value?: string;
  onPick: (picked: PickedSource) => void;
  onError: (message: string) => void;
}

/** Picks an existing Loki or Tempo datasource of this Grafana and reads its URL. */
export function GrafanaSourcePicker({ peer, value, onPick, onError }: Props) {
  const [loading, setLoading] = useState(false);
  const options = useMemo<Array<SelectableValue<string>>>(
    () =>
      getDataSourceSrv()
        .getList({ type: peer })
        .map((ds) => ({ label: ds.name, value: ds.uid })),
    [peer]
  );

  const pick = async (uid?: string) => {
    if (!uid) {
      return;
    }
    setLoading(true);
    try {
      const ds = await getBackendSrv().get<{ url?: string; basicAuth?: boolean; basicAuthUser?: string }>(
        `/api/datasources/uid/${encodeURIComponent(uid)}`,
        undefined,
        undefined,
        { showErrorAlert: false }
      );
      if (!ds.url) {
        onError('That datasource has no URL to copy.');
        return;
      }
      onPick({ uid, url: ds.url, basicAuthUser: ds.basicAuth ? ds.basicAuthUser : undefined });
    } catch (err) {
      onError(`Could not read that datasource: ${errorMessage(err)}`);
    } finally {
      setLoading(false);
    }
  };

  return (
    <Select
      aria-label={`Copy from a Grafana ${peer === 'loki' ? 'Loki' : 'Tempo'} datasource`}
      placeholder={options.length ? 'Choose a datasource' : `No ${peer === 'loki' ? 'Loki' : 'Tempo'} datasources`}
      width={40}
      isLoading={loading}
      disabled={options.length === 0}
      options={options}
      value={value ?? null}
      onChange={(v) => pick(v?.value)}
    />
  );
}
