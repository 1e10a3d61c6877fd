import { Button, Stack, Text } from '@grafana/ui';

interface Props {
  examples: string[];
  onPick: (question: string) => void;
}

/** Questions that work on the connected data, one click to ask. */
export function ExampleQuestions({ examples, onPick }: Props) {
  if (examples.length === 0) {
    return null;
  }
  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary" variant="bodySmall">
        Try one of these
      </Text>
      <div role="group" aria-label="Example questions">
        <Stack direction="row" gap={1} wrap="wrap">
          {examples.map((e) => (
            <Button key={e} size="sm" variant="secondary" fill="outline" onClick={() => onPick(e)}>
              {e}
            </Button>
          ))}
        </Stack>
      </div>
    </Stack>
  );
}
