import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, LinkButton, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';

import { CodeView } from '../../components/CodeView';
import { ClarifyNotice } from '../../components/ClarifyNotice';
import { Hypotheses } from '../../components/Hypotheses';
import { Notices } from '../../components/Notices';
import { PlanChips } from '../../components/PlanChips';
import { SummaryOrigin } from '../../components/SummaryOrigin';
import { executedQueryOf } from '../../components/answerMeta';
import { answerNotices } from '../../components/diagnosis';
import { exploreUrl } from '../../components/explore';
import { followUpQuestions } from '../../components/followUps';
import { languageLabel } from '../../components/format';
import { languageOf } from '../../components/highlight';
import { keyNumbers } from '../../components/keyNumbers';
import { planTimeRange } from '../../components/planRange';
import { applySuggestion } from '../../components/suggestions';
import { testIds } from '../../components/testIds';
import { ResultPanels } from './ResultPanels';
import { Turn } from './useAsk';

interface Props {
  turn: Turn;
  datasourceUid: string;
  /** Follow-ups and clarification suggestions are asked in the same thread. */
  onAsk: (question: string) => void;
  isLatest: boolean;
}

/** One question of the thread and its answer: summary, the query that ran, the results and what to ask next. */
export function AnswerView({ turn, datasourceUid, onAsk, isLatest }: Props) {
  const styles = useStyles2(getStyles);
  const meta = turn.meta;
  const query = executedQueryOf(turn.frames) ?? meta?.plan.query;
  const numbers = keyNumbers(turn.frames, meta);
  const followUps = isLatest ? followUpQuestions(meta) : [];
  const range = planTimeRange(meta?.plan, turn.range);
  const notices = answerNotices(turn.frames, meta);

  return (
    <article className={styles.turn} data-testid={testIds.ask.turn} aria-label={`Answer to: ${turn.question}`}>
      <div className={styles.question}>
        <Text element="h3" variant="h5">
          {turn.question}
        </Text>
      </div>
      {turn.status === 'loading' && <LoadingPlaceholder text="Finding the answer…" />}
      {turn.status === 'error' && (
        <Alert severity="error" title="The question could not be answered">
          {turn.error}
        </Alert>
      )}
      {turn.status === 'done' && meta?.plan.kind === 'clarify' && (
        <ClarifyNotice
          reason={meta.plan.reason}
          suggestions={meta.plan.suggestions ?? []}
          onPick={(s) => onAsk(applySuggestion(turn.question, s, meta.plan.reason))}
        />
      )}
      {turn.status === 'done' && meta?.plan.kind === 'clarify' && <SummaryOrigin meta={meta} />}
      {turn.status === 'done' && meta?.plan.kind !== 'clarify' && (
        <Stack direction="column" gap={2}>
          <div data-testid={testIds.ask.summary}>
            <Stack direction="column" gap={0.5}>
              <Text element="p">{meta?.summary ?? summaryFromNumbers(numbers)}</Text>
              <SummaryOrigin meta={meta} />
            </Stack>
          </div>
          <Notices notices={notices} />
          {numbers.length > 0 && (
            <Stack direction="row" gap={3} wrap="wrap">
              {numbers.map((n) => (
                <div key={n.label} className={styles.number}>
                  <span className={styles.value}>{n.value.toLocaleString()}</span>
                  <span className={styles.label}>{n.unit ? `${n.label} (${n.unit})` : n.label}</span>
                </div>
              ))}
            </Stack>
          )}
          {meta?.hypotheses && <Hypotheses hypotheses={meta.hypotheses} datasourceUid={datasourceUid} range={range} />}
          {query && (
            <Stack direction="column" gap={1}>
              <Stack direction="row" justifyContent="space-between" alignItems="center">
                <Text
                  color="secondary"
                  variant="bodySmall"
                >{`${languageLabel(meta?.plan.kind ?? 'logs')} that ran`}</Text>
                <LinkButton
                  size="sm"
                  variant="secondary"
                  fill="text"
                  icon="compass"
                  href={exploreUrl(datasourceUid, [turn.query], range)}
                >
                  Open in Explore
                </LinkButton>
              </Stack>
              <CodeView
                value={query}
                language={languageOf(meta?.plan.kind === 'correlate' ? 'logs' : meta?.plan.kind)}
                label="Query that ran"
              />
              {meta && <PlanChips plan={meta.plan} understood={meta.understood} timeSource={meta.timeSource} />}
            </Stack>
          )}
          <ResultPanels frames={turn.frames} range={range} />
          {followUps.length > 0 && (
            <div role="group" aria-label="Follow-up questions">
              <Stack direction="row" gap={1} wrap="wrap">
                {followUps.map((f) => (
                  <Button
                    key={f}
                    size="sm"
                    variant="secondary"
                    fill="outline"
                    icon="comment-alt"
                    onClick={() => onAsk(f)}
                  >
                    {f}
                  </Button>
                ))}
              </Stack>
            </div>
          )}
        </Stack>
      )}
    </article>
  );
}

function summaryFromNumbers(numbers: Array<{ label: string; value: number }>): string {
  if (numbers.length === 0) {
    return 'Nothing matched in this time range.';
  }
  return `Found ${numbers.map((n) => `${n.value.toLocaleString()} ${n.label}`).join(', ')}.`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  turn: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1.5),
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  question: css({
    borderLeft: `3px solid ${theme.colors.primary.main}`,
    paddingLeft: theme.spacing(1),
  }),
  number: css({ display: 'flex', flexDirection: 'column' }),
  value: css({ fontSize: theme.typography.h3.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
