import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, Spinner, Stack, useStyles2 } from '@grafana/ui';

import { TranslateResponse } from '../types';
import { ClarifyNotice } from './ClarifyNotice';
import { CodeView } from './CodeView';
import { ErrorNotice } from './ErrorNotice';
import { PlanChips } from './PlanChips';
import { kindLabel, languageLabel } from './format';
import { languageOf } from './highlight';
import { testIds } from './testIds';

export type PreviewState =
  | { status: 'idle' }
  | { status: 'loading'; previous?: TranslateResponse }
  | { status: 'done'; response: TranslateResponse }
  | { status: 'error'; message: string };

interface Props {
  state: PreviewState;
  onPickSuggestion: (suggestion: string) => void;
  /** Offered when there is a query: switch to code mode with it. */
  onEditAsCode?: (response: TranslateResponse) => void;
}

/** The live preview of a question: the query that will run, what was understood, or why nothing can run. */
export function QueryPreview({ state, onPickSuggestion, onEditAsCode }: Props) {
  const styles = useStyles2(getStyles);
  if (state.status === 'idle') {
    return null;
  }
  if (state.status === 'error') {
    return <ErrorNotice title="Could not translate the question" message={state.message} />;
  }
  const response = state.status === 'done' ? state.response : state.previous;
  const loading = state.status === 'loading';
  if (!response) {
    return (
      <div className={styles.preview} data-testid={testIds.queryEditor.preview}>
        <Stack direction="row" gap={1} alignItems="center">
          <Spinner inline size="sm" /> <span className={styles.muted}>Translating…</span>
        </Stack>
      </div>
    );
  }
  const { plan, understood, timeSource } = response;
  if (plan.kind === 'clarify') {
    return (
      <div data-testid={testIds.queryEditor.preview}>
        <ClarifyNotice reason={plan.reason} suggestions={plan.suggestions ?? []} onPick={onPickSuggestion} />
      </div>
    );
  }
  const language = languageOf(plan.kind === 'correlate' ? 'logs' : plan.kind);
  return (
    <div className={styles.preview} data-testid={testIds.queryEditor.preview} aria-busy={loading}>
      <Stack direction="row" gap={1} alignItems="center" justifyContent="space-between">
        <Stack direction="row" gap={1} alignItems="center">
          <Badge text={kindLabel(plan.kind)} color="blue" />
          <span
            className={styles.muted}
          >{`Generated ${languageLabel(plan.kind)}${plan.instant ? ' (instant)' : ''}`}</span>
          {loading && <Spinner inline size="sm" />}
        </Stack>
        {onEditAsCode && plan.query && (
          <Button size="sm" variant="secondary" fill="text" icon="pen" onClick={() => onEditAsCode(response)}>
            Edit as code
          </Button>
        )}
      </Stack>
      {plan.query && (
        <CodeView
          value={plan.query}
          language={language}
          label={`Generated ${languageLabel(plan.kind)}`}
          testId={testIds.queryEditor.previewQuery}
        />
      )}
      <PlanChips plan={plan} understood={understood} timeSource={timeSource} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  preview: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  }),
  muted: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
