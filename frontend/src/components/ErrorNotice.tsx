import { Alert } from '@grafana/ui';

interface Props {
  title: string;
  message: string;
}

/** A failure the user can read: what failed and the backend's own words. */
export function ErrorNotice({ title, message }: Props) {
  return (
    <Alert severity="error" title={title}>
      {message}
    </Alert>
  );
}
