import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { KeyboardEvent, useMemo } from 'react';

import { getCodeStyles } from './codeStyles';
import { highlight, QueryLanguage } from './highlight';
import { testIds } from './testIds';

interface Props {
  value: string;
  language: QueryLanguage;
  label: string;
  placeholder?: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  /** Enter runs the query; Shift+Enter inserts a new line. */
  onRun?: () => void;
}

/**
 * An editable query with syntax highlighting: a transparent textarea over the highlighted text (Grafana's
 * lezer grammars), so typing, selection and the keyboard stay native and accessible.
 */
export function CodeField({ value, language, label, placeholder, onChange, onBlur, onRun }: Props) {
  const code = useStyles2(getCodeStyles);
  const styles = useStyles2(getStyles);
  const { tokens, errorAt } = useMemo(() => highlight(value, language), [value, language]);

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && onRun) {
      e.preventDefault();
      onRun();
    }
  };

  return (
    <div>
      <div className={cx(code.box, styles.wrapper)} data-testid={testIds.queryEditor.codeField}>
        <pre className={cx(code.text, styles.layer)} aria-hidden="true">
          {tokens.map((t, i) => (
            <span key={i} className={code[t.cls]}>
              {t.text}
            </span>
          ))}
          {/* a trailing newline keeps the last empty line as tall as the textarea's */}
          {'\n'}
        </pre>
        <textarea
          className={cx(code.text, styles.input)}
          aria-label={label}
          value={value}
          placeholder={placeholder}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          onChange={(e) => onChange(e.currentTarget.value)}
          onBlur={onBlur}
          onKeyDown={onKeyDown}
        />
      </div>
      {errorAt !== undefined && value.trim() !== '' && (
        <div className={styles.hint} role="status">
          The query may be incomplete or invalid near character {errorAt + 1}.
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    position: 'relative',
    minHeight: theme.spacing(5),
  }),
  layer: css({
    pointerEvents: 'none',
    minHeight: theme.spacing(5),
  }),
  input: css({
    position: 'absolute',
    inset: 0,
    width: '100%',
    height: '100%',
    resize: 'none',
    overflow: 'hidden',
    border: 'none',
    background: 'transparent',
    color: 'transparent',
    caretColor: theme.colors.text.primary,
    outline: 'none',
    '&::placeholder': { color: theme.colors.text.disabled },
    '&:focus': {
      boxShadow: `0 0 0 2px ${theme.colors.background.canvas}, 0 0 0px 4px ${theme.colors.primary.main}`,
      borderRadius: theme.shape.radius.default,
    },
  }),
  hint: css({
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
});
