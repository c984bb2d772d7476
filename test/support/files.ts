import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder holding the YAML files a test applies, named as in the walkthrough. */
export class FileSet {
  readonly dir = mkdtempSync(join(tmpdir(), 'kiosk-yaml-'));

  write(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }
}
