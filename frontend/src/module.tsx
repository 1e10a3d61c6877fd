import { AppPlugin } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { lazy, Suspense } from 'react';

import { AppConfig } from './pages/AppConfig/AppConfig';

const LazyApp = lazy(() => import('./pages/App'));

function Root(props: Parameters<typeof LazyApp>[0]) {
  return (
    <Suspense fallback={<LoadingPlaceholder text="Loading Querent…" />}>
      <LazyApp {...props} />
    </Suspense>
  );
}

export const plugin = new AppPlugin<{}>().setRootPage(Root).addConfigPage({
  title: 'Configuration',
  icon: 'cog',
  body: AppConfig,
  id: 'configuration',
});
