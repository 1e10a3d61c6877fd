import { Alert, Button, Stack } from '@grafana/ui';

interface Props {
  reason?: string;
  suggestions: string[];
  onPick: (suggestion: string) => void;
}

/** A question that has no safe query: why, and one-click suggestions of what the user may have meant. */
export function ClarifyNotice({ reason, suggestions, onPick }: Props) {
  return (
    <Alert severity="info" title="Which one did you mean?">
      <Stack direction="column" gap={1}>
        {reason && <div>{reason.replace(/`/g, '')}</div>}
        {suggestions.length > 0 && (
          <Stack direction="row" wrap="wrap" gap={1}>
            {suggestions.map((s) => (
              <Button key={s} size="sm" variant="secondary" fill="outline" onClick={() => onPick(s)}>
                {`Did you mean ${s}?`}
              </Button>
            ))}
          </Stack>
        )}
      </Stack>
    </Alert>
  );
}
