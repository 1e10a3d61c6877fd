import pluginJson from '../../plugin.json';

/** The app plugin's id (root `plugin.json`). */
export const APP_ID: string = pluginJson.id;

/** The nested datasource plugin's id (`datasource/plugin.json`). */
export const DATASOURCE_TYPE = 'querent-nlq-datasource';

/** The nested panel plugin's id (`panel/plugin.json`). */
export const PANEL_ID = 'querent-answer-panel';

/** Where the app's pages live inside Grafana. */
export const PLUGIN_BASE_URL = `/a/${APP_ID}`;

/** The app's routes, relative to PLUGIN_BASE_URL. */
export enum ROUTES {
  Ask = 'ask',
}

/** How long the editor waits after the last keystroke before asking the backend for a preview. */
export const PREVIEW_DEBOUNCE_MS = 400;
