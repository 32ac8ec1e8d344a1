// The console's built files (web/dist, made by `bun run build:web`), read once at start and kept in
// memory with their gzip form: the bundle is small, and every answer is then a map lookup.
import { createHash } from 'node:crypto';
import path from 'node:path';

export interface ConsoleAsset {
  body: Uint8Array;
  gzipped: Uint8Array;
  type: string;
  etag: string;
  /** Hashed names (assets/…-<hash>.js) never change content, so browsers may keep them for a year. */
  immutable: boolean;
}

export class ConsoleAssets {
  private constructor(private readonly files: ReadonlyMap<string, ConsoleAsset>) {}

  /** null when `dir` holds no built console (no index.html): hop then explains how to build it. */
  static async load(dir: string): Promise<ConsoleAssets | null> {
    if (!(await Bun.file(path.join(dir, 'index.html')).exists())) return null;
    const files = new Map<string, ConsoleAsset>();
    for await (const name of new Bun.Glob('**/*').scan({ cwd: dir, onlyFiles: true })) {
      const file = Bun.file(path.join(dir, name));
      const body = new Uint8Array(await file.arrayBuffer());
      files.set(name.split(path.sep).join('/'), {
        body,
        gzipped: Bun.gzipSync(body, { level: 9 }),
        type: file.type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: name.startsWith('assets'),
      });
    }
    return new ConsoleAssets(files);
  }

  /** The file at `relative` (below /app/), or undefined. */
  find(relative: string): ConsoleAsset | undefined {
    return this.files.get(relative);
  }

  get page(): ConsoleAsset {
    return this.files.get('index.html')!;
  }
}
