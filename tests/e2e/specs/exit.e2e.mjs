// Ending the app from outside (a logout, `kill`, Ctrl-C) locks the vault like quitting does:
// the desktop turns SIGTERM into a normal exit, which records the lock in the audit chain.
// This spec ends its own app process, so it has one test.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from '@wdio/globals';
import { PASSPHRASE, createVault, vaultDir } from './support.mjs';

const appPids = () => {
  try {
    return execFileSync('pgrep', ['-f', 'debug/tipvault-desktop'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

describe('the desktop app, ended by a signal', () => {
  it('locks the vault and records why before it exits', async () => {
    await createVault();
    const pids = appPids();
    expect(pids.length).toBe(1);
    process.kill(pids[0], 'SIGTERM');
    await browser.waitUntil(async () => appPids().length === 0, {
      timeout: 15_000,
      timeoutMsg: 'the app exits after SIGTERM',
    });
    const root = path.resolve(import.meta.dirname, '../../..');
    const tipvault = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'tipvault');
    const audit = JSON.parse(
      execFileSync(tipvault, ['--vault', vaultDir(), '--passphrase-stdin', '--json', 'audit', 'show'], {
        input: `${PASSPHRASE}\n`,
        encoding: 'utf8',
      }),
    );
    // The CLI's own unlock comes after: the entry before it is the desktop's exit lock.
    const unlocks = audit.map((e, i) => [e, i]).filter(([e]) => e.kind === 'vault.unlocked');
    const [, cliUnlock] = unlocks.at(-1);
    const before = audit[cliUnlock - 1];
    expect(before.kind).toBe('vault.locked');
    expect(before.detail.reason).toBe('exit');
  });
});
