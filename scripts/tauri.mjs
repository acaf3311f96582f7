// Runs the Tauri CLI with this repository's layout: the app crate in src-tauri/, the UI in ui/,
// tauri.conf.json at the root (linked from src-tauri/). The CLI cannot infer that layout from
// the root (it would take the workspace manifest for the app), so name both directories.
// Plain Node, so it works the same on Linux, macOS and Windows:  npm run --prefix ui tauri -- dev
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const windows = process.platform === 'win32';
const cli = path.join(root, 'ui', 'node_modules', '.bin', windows ? 'tauri.cmd' : 'tauri');

const result = spawnSync(cli, process.argv.slice(2), {
  cwd: root,
  stdio: 'inherit',
  shell: windows,
  env: {
    ...process.env,
    TAURI_APP_PATH: path.join(root, 'src-tauri'),
    TAURI_FRONTEND_PATH: path.join(root, 'ui'),
  },
});
process.exit(result.status ?? 1);
