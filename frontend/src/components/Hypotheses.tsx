import { css } from '@emotion/css';
import { GrafanaTheme2, TimeRange } from '@grafana/data';
import { Badge, LinkButton, Stack, Tag, Text, useStyles2 } from '@grafana/ui';

import { Hypothesis } from '../types';
import { causeLabel, confidenceColor, countLabel, dependencyLabel, evidenceOf, failingSpanParts } from './diagnosis';
import { padTraceId, traceExploreUrl } from './explore';

interface Props {
  hypotheses: Hypothesis[];
  /** The Querent datasource the trace links open in Explore; without it trace ids are shown as text. */
  datasourceUid?: string;
  /** The answer's time range, for the trace links. */
  range?: TimeRange;
}

/** Ranked explanations of a diagnosis question: what fails where, how sure, what it affects, and the evidence. */
export function Hypotheses({ hypotheses, datasourceUid, range }: Props) {
  const styles = useStyles2(getStyles);
  if (hypotheses.length === 0) {
    return null;
  }
  return (
    <div role="group" aria-label="Possible causes">
      <Stack direction="column" gap={1}>
        {hypotheses.map((h, i) => (
          <HypothesisCard
            key={`${h.id ?? h.title}-${i}`}
            h={h}
            rank={h.rank ?? i + 1}
            datasourceUid={datasourceUid}
            range={range}
            styles={styles}
          />
        ))}
      </Stack>
    </div>
  );
}

interface CardProps {
  h: Hypothesis;
  rank: number;
  datasourceUid?: string;
  range?: TimeRange;
  styles: ReturnType<typeof getStyles>;
}

function HypothesisCard({ h, rank, datasourceUid, range, styles }: CardProps) {
  const evidence = evidenceOf(h);
  const span = h.failingSpan ? failingSpanParts(h.failingSpan) : undefined;
  const counts = [
    typeof h.lines === 'number' ? countLabel(h.lines, 'line', 'lines') : undefined,
    typeof h.traces === 'number' ? countLabel(h.traces, 'trace', 'traces') : undefined,
  ].filter((c): c is string => !!c);
  const traceIds = (h.traceIds ?? []).filter((id) => typeof id === 'string' && id.length > 0);
  const upstream = (h.upstreamServices ?? []).filter(Boolean);

  return (
    <section className={styles.card} aria-label={`Cause ${rank}: ${h.title}`}>
      <Stack direction="column" gap={1}>
        <Text element="h4" variant="h6">
          {`${rank}. ${h.title}`}
        </Text>
        {(h.service || h.cause || h.confidence) && (
          <Stack direction="row" gap={1} wrap="wrap" alignItems="center">
            {h.id && <span className={styles.id}>{h.id}</span>}
            {h.service && <Tag name={h.service} icon="cube" aria-label={`service: ${h.service}`} />}
            {h.cause && <Tag name={causeLabel(h.cause)} colorIndex={9} aria-label={`cause: ${causeLabel(h.cause)}`} />}
            {h.confidence && (
              <Badge
                color={confidenceColor(h.confidence)}
                text={`${h.confidence} confidence`}
                aria-label={`confidence: ${h.confidence}`}
              />
            )}
          </Stack>
        )}
        {(span || h.dependency || upstream.length > 0 || counts.length > 0) && (
          <dl className={styles.facts}>
            {span && (
              <>
                <dt>Fails first in</dt>
                <dd aria-label="failing span">
                  {span.where} <code className={styles.code}>{span.name}</code>
                  {span.message && `: ${span.message}`}
                  {span.took && <span className={styles.muted}>{` (${span.took})`}</span>}
                </dd>
              </>
            )}
            {h.dependency && (
              <>
                <dt>Dependency</dt>
                <dd aria-label="dependency">{dependencyLabel(h.dependency)}</dd>
              </>
            )}
            {upstream.length > 0 && (
              <>
                <dt>Affects</dt>
                <dd aria-label="affects">{upstream.join(', ')}</dd>
              </>
            )}
            {counts.length > 0 && (
              <>
                <dt>Explains</dt>
                <dd aria-label="counts">{counts.join(', ')}</dd>
              </>
            )}
          </dl>
        )}
        {evidence.length > 0 && (
          <ul className={styles.evidence} aria-label={`Evidence for cause ${rank}`}>
            {evidence.map((e, j) => (
              <li key={j}>{e}</li>
            ))}
          </ul>
        )}
        {traceIds.length > 0 && (
          <div role="group" aria-label={`Example traces for cause ${rank}`}>
            <Stack direction="row" gap={0.5} wrap="wrap" alignItems="center">
              <span className={styles.muted}>Example traces:</span>
              {traceIds.map((id) =>
                datasourceUid ? (
                  <LinkButton
                    key={id}
                    size="sm"
                    variant="secondary"
                    fill="text"
                    icon="gf-traces"
                    href={traceExploreUrl(datasourceUid, id, range)}
                    aria-label={`Open trace ${padTraceId(id)} in Explore`}
                    tooltip={padTraceId(id)}
                  >
                    {shortId(padTraceId(id))}
                  </LinkButton>
                ) : (
                  <code key={id} className={styles.code}>
                    {padTraceId(id)}
                  </code>
                )
              )}
            </Stack>
          </div>
        )}
      </Stack>
    </section>
  );
}

/** The first 12 hex digits: enough to tell traces apart, short enough to list five. */
function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    padding: theme.spacing(1.5, 2),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
  }),
  id: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  facts: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    dt: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightRegular },
    dd: { margin: 0 },
  }),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    padding: theme.spacing(0, 0.5),
    background: theme.colors.background.canvas,
    borderRadius: theme.shape.radius.default,
  }),
  muted: css({ color: theme.colors.text.secondary }),
  evidence: css({
    margin: 0,
    paddingLeft: theme.spacing(2.5),
    fontSize: theme.typography.bodySmall.fontSize,
    li: { marginBottom: theme.spacing(0.25) },
  }),
});
