import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { LinkButton, Stack, useStyles2 } from '@grafana/ui';

import { CodeView } from '../components/CodeView';
import { SummaryOrigin } from '../components/SummaryOrigin';
import { answerMetaOf, executedQueryOf } from '../components/answerMeta';
import { exploreUrl } from '../components/explore';
import { languageOf } from '../components/highlight';
import { keyNumbers } from '../components/keyNumbers';
import { testIds } from '../components/testIds';
import { DATASOURCE_TYPE } from '../constants';
import { QuerentQuery } from '../types';
import { AnswerPanelOptions } from './options';

type Props = PanelProps<AnswerPanelOptions>;

/** The summary and key numbers of a Querent question on a dashboard, with the full answer one click away. */
export function AnswerPanel({ data, options, width, height }: Props) {
  const styles = useStyles2(getStyles);
  const meta = answerMetaOf(data.series);
  const numbers = keyNumbers(data.series, meta);
  const query = executedQueryOf(data.series) ?? meta?.plan.query;
  const link = exploreLinkOf(data.request?.targets as QuerentQuery[] | undefined, data.timeRange);

  if (!meta && data.series.length === 0) {
    return (
      <div className={styles.empty} data-testid={testIds.panel.container}>
        Ask a question with a Querent datasource to see its answer here.
      </div>
    );
  }

  return (
    <div className={styles.panel} style={{ width, height }} data-testid={testIds.panel.container}>
      {meta?.question && <div className={styles.question}>{meta.question}</div>}
      {options.showSummary && (
        <p className={styles.summary}>
          {meta?.plan.kind === 'clarify'
            ? meta.plan.reason?.replace(/`/g, '')
            : (meta?.summary ?? 'No summary for this query.')}
        </p>
      )}
      {options.showSummary && <SummaryOrigin meta={meta} />}
      {options.showNumbers && numbers.length > 0 && (
        <Stack direction="row" gap={3} wrap="wrap">
          <div className={styles.numbers} data-testid={testIds.panel.numbers}>
            {numbers.map((n) => (
              <div key={n.label} className={styles.number}>
                <span className={styles.value}>{n.value.toLocaleString()}</span>
                <span className={styles.label}>{n.unit ? `${n.label} (${n.unit})` : n.label}</span>
              </div>
            ))}
          </div>
        </Stack>
      )}
      {options.showQuery && query && (
        <CodeView
          value={query}
          language={languageOf(meta?.plan.kind === 'correlate' ? 'logs' : meta?.plan.kind)}
          label="Query that ran"
        />
      )}
      {options.showExploreLink && link && (
        <div>
          <LinkButton size="sm" variant="secondary" icon="compass" href={link}>
            Open the full answer in Explore
          </LinkButton>
        </div>
      )}
    </div>
  );
}

function exploreLinkOf(targets: QuerentQuery[] | undefined, range: Props['data']['timeRange']): string | undefined {
  const querent = (targets ?? []).filter((t) => t.datasource?.type === DATASOURCE_TYPE && t.datasource.uid);
  const uid = querent[0]?.datasource?.uid;
  if (!uid) {
    return undefined;
  }
  const queries = querent.map(({ datasource: _ds, ...q }) => q);
  return exploreUrl(uid, queries, range);
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    overflow: 'auto',
  }),
  empty: css({ color: theme.colors.text.secondary }),
  question: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  summary: css({ margin: 0, fontSize: theme.typography.body.fontSize }),
  numbers: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(3) }),
  number: css({ display: 'flex', flexDirection: 'column' }),
  value: css({ fontSize: theme.typography.h2.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
