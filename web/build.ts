// Builds the console (web/) into static files that hop serves at /app: one HTML page, hashed JS and
// CSS, no CDN. `bun run build:web` runs this; the bundle budget test calls buildConsole directly.
import { rm } from 'node:fs/promises';
import path from 'node:path';

export const WEB_DIR = import.meta.dir;
export const DEFAULT_OUT_DIR = path.join(WEB_DIR, 'dist');

export interface BuiltFile {
  path: string;
  bytes: number;
  gzippedBytes: number;
}

export interface ConsoleBuild {
  outDir: string;
  files: BuiltFile[];
  /** What a browser downloads as script, gzipped: the number the budget holds. */
  gzippedJsBytes: number;
}

export async function buildConsole(outDir = DEFAULT_OUT_DIR): Promise<ConsoleBuild> {
  await rm(outDir, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [path.join(WEB_DIR, 'index.html')],
    outdir: outDir,
    minify: true,
    publicPath: '/app/',
    naming: { entry: '[name].[ext]', chunk: 'assets/[name]-[hash].[ext]', asset: 'assets/[name]-[hash].[ext]' },
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (!result.success) throw new AggregateError(result.logs, 'the console did not build');
  const files: BuiltFile[] = [];
  for (const output of result.outputs) {
    const body = new Uint8Array(await output.arrayBuffer());
    files.push({ path: path.relative(outDir, output.path), bytes: body.byteLength, gzippedBytes: Bun.gzipSync(body, { level: 9 }).byteLength });
  }
  const gzippedJsBytes = files.filter((file) => file.path.endsWith('.js')).reduce((sum, file) => sum + file.gzippedBytes, 0);
  return { outDir, files, gzippedJsBytes };
}

if (import.meta.main) {
  const started = performance.now();
  const build = await buildConsole(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR);
  for (const file of build.files) console.log(`  ${file.path}  ${(file.bytes / 1024).toFixed(1)} KB (${(file.gzippedBytes / 1024).toFixed(1)} KB gzipped)`);
  console.log(`console built into ${path.relative(process.cwd(), build.outDir) || '.'} in ${Math.round(performance.now() - started)} ms: ${(build.gzippedJsBytes / 1024).toFixed(1)} KB of gzipped JS`);
}
