// Builds the app plugin and its nested datasource and panel into ../dist as AMD modules that Grafana loads
// with its own copies of React, @grafana/*, rxjs, emotion etc. (the externals below are the modules Grafana
// shares with plugins).
const path = require('path');
const CopyWebpackPlugin = require('copy-webpack-plugin');

const packageJson = require('./package.json');
const appManifest = require('../plugin.json');

const SRC = path.resolve(__dirname, 'src');
const DIST = path.resolve(__dirname, '..', 'dist');

const EXTERNALS = [
  'react',
  'react-dom',
  'react-dom/client',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-redux',
  'redux',
  'react-router',
  'rxjs',
  'rxjs/operators',
  'lodash',
  'moment',
  'jquery',
  'd3',
  'i18next',
  'emotion',
  '@emotion/css',
  '@emotion/react',
  'prismjs',
  'slate',
  'slate-plain-serializer',
  '@grafana/slate-react',
  /^@grafana\/data(\/.*)?$/,
  /^@grafana\/runtime(\/.*)?$/,
  /^@grafana\/ui(\/.*)?$/,
];

/** Fills %VERSION% and %TODAY% in the manifests. */
function stamp(content) {
  return content
    .toString()
    .replace(/%VERSION%/g, packageJson.version)
    .replace(/%TODAY%/g, new Date().toISOString().slice(0, 10));
}

const swcRule = {
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
};

module.exports = (env = {}) => ({
  mode: env.production ? 'production' : 'development',
  devtool: 'source-map',
  context: SRC,
  entry: {
    module: './module.tsx',
    'datasource/module': './datasource/module.ts',
    'panel/module': './panel/module.ts',
  },
  externals: EXTERNALS,
  externalsType: 'amd',
  output: {
    path: DIST,
    filename: '[name].js',
    chunkFilename: 'chunks/[name].[contenthash:8].js',
    library: { type: 'amd' },
    publicPath: `public/plugins/${appManifest.id}/`,
    uniqueName: appManifest.id,
    // the backend's `make dist` puts gpx_querent_<os>_<arch> into dist/datasource/: keep it
    clean: { keep: /gpx_querent|go_plugin_build_manifest/ },
  },
  resolve: {
    extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.json'],
  },
  module: {
    rules: [swcRule, { test: /\.m?js$/, include: /node_modules/, resolve: { fullySpecified: false } }],
  },
  performance: { hints: false },
  plugins: [
    new CopyWebpackPlugin({
      patterns: [
        { from: path.resolve(__dirname, '..', 'plugin.json'), to: 'plugin.json', transform: stamp },
        { from: path.resolve(__dirname, '..', 'README.md'), to: 'README.md' },
        { from: 'img', to: 'img' },
        { from: 'datasource/plugin.json', to: 'datasource/plugin.json', transform: stamp },
        { from: 'img', to: 'datasource/img' },
        { from: 'panel/plugin.json', to: 'panel/plugin.json', transform: stamp },
        { from: 'img', to: 'panel/img' },
      ],
    }),
  ],
});
