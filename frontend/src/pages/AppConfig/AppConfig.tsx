import { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { Alert, Card, FieldSet, LinkButton, Stack, Text } from '@grafana/ui';
import { useMemo } from 'react';

import { DATASOURCE_TYPE, PLUGIN_BASE_URL, ROUTES } from '../../constants';

type Props = PluginConfigPageProps<AppPluginMeta>;

/** The app's configuration page: where Querent's datasources are and how to add one. */
export function AppConfig(_props: Props) {
  const sources = useMemo(() => getDataSourceSrv().getList({ type: DATASOURCE_TYPE }), []);
  return (
    <Stack direction="column" gap={2}>
      <FieldSet label="Querent datasources">
        <Text element="p" color="secondary">
          Loki and Tempo URLs, credentials, limits and the optional language model are settings of a Querent datasource.
          &quot;Save &amp; test&quot; there checks that Loki and Tempo answer.
        </Text>
        {sources.length === 0 ? (
          <Alert severity="info" title="No Querent datasource yet" />
        ) : (
          <Stack direction="column" gap={1}>
            {sources.map((s) => (
              <Card key={s.uid} href={`connections/datasources/edit/${encodeURIComponent(s.uid)}`} noMargin>
                <Card.Heading>{s.name}</Card.Heading>
                <Card.Description>{s.isDefault ? 'Default datasource' : s.uid}</Card.Description>
              </Card>
            ))}
          </Stack>
        )}
      </FieldSet>
      <Stack direction="row" gap={1}>
        <LinkButton
          icon="plus"
          variant={sources.length ? 'secondary' : 'primary'}
          href={`connections/datasources/${DATASOURCE_TYPE}`}
        >
          Add a Querent datasource
        </LinkButton>
        <LinkButton icon="comment-alt" variant="secondary" href={`${PLUGIN_BASE_URL.slice(1)}/${ROUTES.Ask}`}>
          Open the Ask page
        </LinkButton>
      </Stack>
    </Stack>
  );
}
