import { css } from '@emotion/css';
import { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { getDataSourceSrv, PluginPage } from '@grafana/runtime';
import { Alert, Button, Field, LinkButton, Select, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { KeyboardEvent, useEffect, useMemo, useState } from 'react';

import { fetchExamples } from '../../api';
import { HistoryButton } from '../../components/HistoryButton';
import { testIds } from '../../components/testIds';
import { DATASOURCE_TYPE } from '../../constants';
import type { QuerentDataSource } from '../../datasource/datasource';
import { AnswerView } from './AnswerView';
import { ExampleQuestions } from './ExampleQuestions';
import { useAsk } from './useAsk';

const RANGES: Array<SelectableValue<string>> = [
  { label: 'Last 15 minutes', value: 'now-15m' },
  { label: 'Last 1 hour', value: 'now-1h' },
  { label: 'Last 6 hours', value: 'now-6h' },
  { label: 'Last 24 hours', value: 'now-24h' },
  { label: 'Last 7 days', value: 'now-7d' },
];

/** Ask a question, read the answer (summary, query, Grafana's own visualisations), ask a follow-up. */
export function AskPage() {
  const styles = useStyles2(getStyles);
  const sources = useMemo(() => getDataSourceSrv().getList({ type: DATASOURCE_TYPE }), []);
  const [uid, setUid] = useState<string | undefined>(sources[0]?.uid);
  const [ds, setDs] = useState<QuerentDataSource>();
  const [loadError, setLoadError] = useState<string>();
  const [examples, setExamples] = useState<string[]>([]);
  const [relativeRange, setRelativeRange] = useState('now-1h');
  const [question, setQuestion] = useState('');
  const { turns, ask, reset } = useAsk(ds, relativeRange);

  useEffect(() => {
    if (!uid) {
      return;
    }
    let live = true;
    getDataSourceSrv()
      .get(uid)
      .then((d) => live && setDs(d as unknown as QuerentDataSource))
      .catch((e: unknown) => live && setLoadError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [uid]);

  useEffect(() => {
    if (!ds) {
      return;
    }
    let live = true;
    fetchExamples(ds)
      .then((r) => live && setExamples(r.examples ?? []))
      .catch(() => live && setExamples([]));
    return () => {
      live = false;
    };
  }, [ds]);

  const submit = (text: string) => {
    if (!text.trim()) {
      return;
    }
    ask(text);
    setQuestion('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit(question);
    }
  };

  if (sources.length === 0) {
    return (
      <PluginPage>
        <Alert severity="info" title="Connect Querent to your Loki and Tempo first">
          <Stack direction="column" gap={1} alignItems="flex-start">
            <span>Add a Querent datasource with the URLs of your Loki and Tempo, then come back to ask questions.</span>
            <LinkButton icon="plus" href={`connections/datasources/${DATASOURCE_TYPE}`}>
              Add a Querent datasource
            </LinkButton>
          </Stack>
        </Alert>
      </PluginPage>
    );
  }

  return (
    <PluginPage
      actions={
        <Stack direction="row" gap={1}>
          <HistoryButton onPick={submit} />
          <Button variant="secondary" icon="plus" onClick={reset} disabled={turns.length === 0}>
            New conversation
          </Button>
        </Stack>
      }
    >
      <div className={styles.page} data-testid={testIds.ask.page}>
        <Stack direction="row" gap={2} wrap="wrap">
          {sources.length > 1 && (
            <Field label="Datasource" noMargin>
              <Select
                aria-label="Datasource"
                width={30}
                options={sources.map((s) => ({ label: s.name, value: s.uid }))}
                value={uid}
                onChange={(v) => {
                  setUid(v.value);
                  reset();
                }}
              />
            </Field>
          )}
          <Field label="Time range" description="Used unless the question names a time" noMargin>
            <Select
              aria-label="Time range"
              width={24}
              options={RANGES}
              value={relativeRange}
              onChange={(v) => setRelativeRange(v.value ?? 'now-1h')}
            />
          </Field>
        </Stack>
        {loadError && <Alert severity="error" title={`Could not load the datasource: ${loadError}`} />}
        {turns.map((t, i) => (
          <AnswerView key={t.id} turn={t} datasourceUid={uid ?? ''} onAsk={submit} isLatest={i === turns.length - 1} />
        ))}
        <div className={styles.ask}>
          <Field
            label={turns.length === 0 ? 'Ask about your logs and traces' : 'Ask a follow-up'}
            description="English or Korean. Enter asks, Shift+Enter adds a line."
            noMargin
          >
            <TextArea
              rows={2}
              value={question}
              placeholder="e.g. why is payment-service failing?"
              onChange={(e) => setQuestion(e.currentTarget.value)}
              onKeyDown={onKeyDown}
            />
          </Field>
          <Stack direction="row" justifyContent="flex-end">
            <Button icon="message" onClick={() => submit(question)} disabled={!ds || !question.trim()}>
              Ask
            </Button>
          </Stack>
          {turns.length === 0 && <ExampleQuestions examples={examples} onPick={submit} />}
        </div>
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    maxWidth: 1400,
  }),
  ask: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
});
