// Re-authentication before a sensitive change (the app's `reauth`): a command is called without
// a proof first; when the app answers `reauth_required`, the "Confirm it's you" dialog asks for
// the passphrase or a registered key, and the command is called again with the answer. A
// wrong answer is shown in the dialog and asked again; Cancel ends it with nothing changed.
// Nothing the user typed is kept: the passphrase travels with that one call and the field is
// cleared after every attempt.
import { BackendError, type ReauthInput } from '../backend';

/** What the dialog hands back: a passphrase, or a kind of device (with a USB key's PIN). */
export type { ReauthInput };

interface Pending {
  /** The app's sentence naming the change. */
  message: string;
  /** What exactly changes, in the UI's words, when the caller knows ("₩30,000 → ₩50,000"). */
  detail: string | null;
  /** Only the passphrase will do (removing a key replaces the vault key). */
  passphraseOnly: boolean;
  /** The last answer's refusal, shown in the dialog. */
  problem: unknown;
  answer: (input: ReauthInput | null) => void;
}

export const reauth = $state<{ pending: Pending | null }>({ pending: null });

/** Codes that mean "that answer was not accepted, ask again" rather than "stop". */
const ASK_AGAIN = new Set(['wrong_passphrase', 'throttled', 'security_key_refused', 'security_key_unavailable']);

function ask(message: string, detail: string | null, passphraseOnly: boolean, problem: unknown) {
  return new Promise<ReauthInput | null>((resolve) => {
    reauth.pending = {
      message,
      detail,
      passphraseOnly,
      problem,
      answer: (input) => {
        resolve(input);
      },
    };
  });
}

/** Runs `call` without a proof; if the app asks for one, asks the user and calls again with it,
 * until it is accepted or the user cancels (a `cancelled` BackendError). */
export async function withReauth<T>(
  call: (reauth: ReauthInput | null) => Promise<T>,
  options: { detail?: string | null; passphraseOnly?: boolean } = {},
): Promise<T> {
  try {
    return await call(null);
  } catch (first) {
    if (!(first instanceof BackendError) || first.code !== 'reauth_required') throw first;
    let problem: unknown = null;
    try {
      for (;;) {
        const input = await ask(first.message, options.detail ?? null, options.passphraseOnly ?? false, problem);
        if (input === null) throw new BackendError('cancelled', 'Nothing was changed.');
        try {
          return await call(input);
        } catch (e) {
          if (e instanceof BackendError && ASK_AGAIN.has(e.code)) {
            problem = e;
            continue;
          }
          throw e;
        }
      }
    } finally {
      reauth.pending = null;
    }
  }
}
