// Passphrase strength, estimated with zxcvbn (the estimator password managers use): it knows
// common passwords, names and keyboard patterns, which a length-and-classes rule does not.
// The dictionaries are large, so they load on first use rather than with the first screen.
import type { ZxcvbnResult } from '@zxcvbn-ts/core';

export type Score = 0 | 1 | 2 | 3 | 4;

/** The shortest passphrase Tipvault accepts, whatever its score. */
export const MIN_LENGTH = 10;
/** The lowest zxcvbn score Tipvault accepts for a new vault. */
export const MIN_SCORE: Score = 3;

let estimator: Promise<(password: string) => ZxcvbnResult> | undefined;

function load(): Promise<(password: string) => ZxcvbnResult> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, english] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    const factory = new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...english.dictionary },
      graphs: common.adjacencyGraphs,
      translations: english.translations,
    });
    return (password: string) => factory.check(password);
  })();
  return estimator;
}

/** How hard `passphrase` is to guess, from 0 (trivial) to 4 (very strong). */
export async function score(passphrase: string): Promise<Score> {
  if (passphrase.length === 0) return 0;
  const zxcvbn = await load();
  return zxcvbn(passphrase).score as Score;
}

export type Verdict = 'ok' | 'too_short' | 'too_weak' | 'mismatch';

/** Whether a new passphrase and its confirmation may be used to create a vault. */
export function verdict(passphrase: string, confirmation: string, strength: Score): Verdict {
  if (passphrase.length < MIN_LENGTH) return 'too_short';
  if (strength < MIN_SCORE) return 'too_weak';
  if (passphrase !== confirmation) return 'mismatch';
  return 'ok';
}
