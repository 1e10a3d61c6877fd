import { Card, Stack, Tag } from '@grafana/ui';

import { Hypothesis } from '../types';

interface Props {
  hypotheses: Hypothesis[];
}

/** Ranked explanations of a diagnosis question, each with its evidence. */
export function Hypotheses({ hypotheses }: Props) {
  if (hypotheses.length === 0) {
    return null;
  }
  return (
    <div role="group" aria-label="Possible causes">
      <Stack direction="column" gap={1}>
        {hypotheses.map((h, i) => (
          <Card key={`${h.title}-${i}`} noMargin>
            <Card.Heading>{`${i + 1}. ${h.title}`}</Card.Heading>
            {h.service && (
              <Card.Tags>
                <Tag name={h.service} />
              </Card.Tags>
            )}
            {evidenceOf(h).length > 0 && (
              <Card.Description>
                <ul>
                  {evidenceOf(h).map((e, j) => (
                    <li key={j}>{e}</li>
                  ))}
                </ul>
              </Card.Description>
            )}
          </Card>
        ))}
      </Stack>
    </div>
  );
}

function evidenceOf(h: Hypothesis): string[] {
  if (Array.isArray(h.evidence)) {
    return h.evidence.map(String);
  }
  return h.evidence ? [h.evidence] : [];
}
