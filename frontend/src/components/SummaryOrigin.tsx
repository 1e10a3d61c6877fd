import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Badge, Stack, useStyles2 } from '@grafana/ui';

import { AnswerMeta } from '../types';

interface Props {
  meta?: Pick<AnswerMeta, 'summarySource' | 'llm'>;
}

/**
 * Who wrote the answer: a "written by <model>" badge when the LLM wrote the summary, "query by <model>" when
 * its plan ran, and the LLM layer's notes (why its summary or its query is not the one shown) as muted text.
 * Nothing at all for a template summary without notes, which is every answer when no LLM is configured.
 */
export function SummaryOrigin({ meta }: Props) {
  const styles = useStyles2(getStyles);
  const llm = meta?.llm;
  const model = llm?.model?.trim() || 'the LLM';
  const byLlm = (meta?.summarySource ?? llm?.summarySource) === 'llm';
  const notes = [llm?.summaryNote, llm?.note].filter(
    (n, i, all): n is string => typeof n === 'string' && n.trim() !== '' && all.indexOf(n) === i
  );
  if (!byLlm && !llm?.translated && notes.length === 0) {
    return null;
  }
  return (
    <Stack direction="column" gap={0.5}>
      {(byLlm || llm?.translated) && (
        <Stack direction="row" gap={1} wrap="wrap">
          {byLlm && (
            <Badge
              color="purple"
              icon="ai-sparkle"
              text={`written by ${model}`}
              aria-label={`Summary written by ${model}`}
              tooltip="The LLM wrote this summary from the answer's evidence; every service and trace it names was checked against it."
            />
          )}
          {llm?.translated && (
            <Badge
              color="blue"
              icon="ai-sparkle"
              text={`query by ${model}`}
              aria-label={`Query written by ${model}`}
              tooltip="The LLM translated this question; its query ran after it was checked against the labels, services and fields of the data."
            />
          )}
        </Stack>
      )}
      {notes.map((n) => (
        <p key={n} role="note" className={styles.note}>
          {n}
        </p>
      ))}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  note: css({
    margin: 0,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    fontStyle: 'italic',
  }),
});
