import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import { BackendError, backend } from './index';

describe('backend', () => {
  it('calls the vault_status command and returns its value', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'vault_status') return { state: 'absent', path: '/tmp/v' };
    });
    await expect(backend.vaultStatus()).resolves.toEqual({ state: 'absent', path: '/tmp/v' });
    expect(calls).toEqual(['vault_status']);
  });

  it('turns a {code, message} rejection into a BackendError with that code', async () => {
    mockIPC(() => {
      throw { code: 'io', message: 'disk full' };
    });
    const error = await backend.vaultStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe('io');
    expect((error as BackendError).message).toBe('disk full');
  });

  it('reports a plain-string rejection (a denied command) as unexpected', async () => {
    mockIPC(() => {
      throw 'Command vault_status not allowed by ACL';
    });
    const error = (await backend.vaultStatus().catch((e: unknown) => e)) as BackendError;
    expect(error.code).toBe('unexpected');
    expect(error.message).toContain('not allowed');
  });
});
