import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import { useMemo } from 'react';

import { getCodeStyles } from './codeStyles';
import { highlight, QueryLanguage } from './highlight';

interface Props {
  value: string;
  language: QueryLanguage;
  /** Accessible name, e.g. "Generated LogQL". */
  label: string;
  testId?: string;
}

/** A query shown read-only with LogQL/TraceQL syntax highlighting. */
export function CodeView({ value, language, label, testId }: Props) {
  const styles = useStyles2(getCodeStyles);
  const { tokens } = useMemo(() => highlight(value, language), [value, language]);
  return (
    <pre className={cx(styles.text, styles.box)} aria-label={label} data-testid={testId}>
      <code>
        {tokens.map((t, i) => (
          <span key={i} className={styles[t.cls]}>
            {t.text}
          </span>
        ))}
      </code>
    </pre>
  );
}
