// Bundles the browser parts into webapp/static/dist (run by the Makefile; nothing is loaded from a CDN).
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { editor: 'src/editor.js', diagram: 'src/diagram.js', taskforms: 'src/taskforms.js' },
  outdir: '../static/dist',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  loader: { '.woff': 'file', '.woff2': 'file', '.eot': 'file', '.ttf': 'file', '.svg': 'dataurl' },
  assetNames: 'assets/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log('bundled editor.js, diagram.js (with their CSS) and taskforms.js into webapp/static/dist');
