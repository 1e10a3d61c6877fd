import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';

/** Shared by the read-only CodeView and the editable CodeField, so both look like Grafana's query editors. */
export const getCodeStyles = (theme: GrafanaTheme2) => {
  const text = css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: 1.6,
    padding: theme.spacing(0.75, 1),
    margin: 0,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    overflowWrap: 'anywhere',
  });
  return {
    text,
    box: css({
      background: theme.colors.background.canvas,
      border: `1px solid ${theme.components.input.borderColor}`,
      borderRadius: theme.shape.radius.default,
    }),
    string: css({ color: theme.colors.success.text }),
    number: css({ color: theme.colors.warning.text }),
    label: css({ color: theme.colors.primary.text }),
    operator: css({ color: theme.colors.text.secondary }),
    keyword: css({ color: theme.visualization.getColorByName('purple') }),
    function: css({
      color: theme.visualization.getColorByName('purple'),
      fontWeight: theme.typography.fontWeightMedium,
    }),
    plain: css({ color: theme.colors.text.primary }),
  };
};

export type CodeStyles = ReturnType<typeof getCodeStyles>;
