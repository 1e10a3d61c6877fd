import { AppRootProps } from '@grafana/data';

import { AskPage } from './Ask/AskPage';

/**
 * The app's root page. It has one route today, `ask` (ROUTES.Ask, the default); the configuration lives on
 * the plugin's own config page (AppConfig).
 */
export function App(_props: AppRootProps) {
  return <AskPage />;
}

export default App;
