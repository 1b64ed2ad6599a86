// build.mjs: bundle p2p.js (js-libp2p) for the browser with esbuild.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['p2p.js'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: 'dist/p2p.js',
  logLevel: 'warning',
});
