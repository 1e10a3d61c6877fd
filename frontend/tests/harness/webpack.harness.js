// Bundles the UI harness page with everything (no externals: there is no Grafana to provide them) into
// ../../../test-output/harness/. Only the browser test uses it.
const path = require('path');
const CopyWebpackPlugin = require('copy-webpack-plugin');

const ROOT = path.resolve(__dirname, '..', '..');

module.exports = {
  mode: process.env.HARNESS_MODE ?? 'production',
  devtool: false,
  context: __dirname,
  entry: { harness: './harness.tsx' },
  output: { path: path.resolve(ROOT, '..', 'test-output', 'harness'), filename: '[name].js', clean: true },
  resolve: {
    extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.json'],
    alias: {
      'grafana-runtime-internal-panel-renderer$': path.resolve(
        ROOT,
        'node_modules/@grafana/runtime/dist/esm/components/PanelRenderer.mjs'
      ),
    },
  },
  module: {
    rules: [
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
              target: 'es2020',
            },
          },
        },
      },
      // Grafana's .mjs files import CommonJS packages by default export: use webpack's CommonJS interop for them
      { test: /\.m?js$/, include: /node_modules/, type: 'javascript/auto', resolve: { fullySpecified: false } },
      { test: /\.css$/, type: 'asset/source' },
    ],
  },
  performance: { hints: false },
  optimization: { splitChunks: false },
  plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'index.html', to: 'index.html' }] })],
};
