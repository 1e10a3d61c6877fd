// @grafana/runtime keeps setPanelRenderer for Grafana core; the harness webpack config aliases this name to it.
declare module 'grafana-runtime-internal-panel-renderer' {
  import { ComponentType } from 'react';
  import { PanelRendererProps } from '@grafana/runtime';
  export function setPanelRenderer(renderer: ComponentType<PanelRendererProps>): void;
}

// the harness bundles CSS files as text (webpack `asset/source`)
declare module '*.css' {
  const text: string;
  export default text;
}
