import { Alert, Stack } from '@grafana/ui';

import { AnswerNotice } from '../types';
import { alertSeverity } from './diagnosis';

interface Props {
  notices: AnswerNotice[];
}

/** What limits an answer (traces not fetched, a range narrowed, lines cut), as Grafana alerts above it. */
export function Notices({ notices }: Props) {
  if (notices.length === 0) {
    return null;
  }
  return (
    <div role="group" aria-label="Notices">
      <Stack direction="column" gap={0}>
        {notices.map((n) => (
          <Alert key={n.text} severity={alertSeverity(n.severity)} title={n.text} bottomSpacing={1} />
        ))}
      </Stack>
    </div>
  );
}
