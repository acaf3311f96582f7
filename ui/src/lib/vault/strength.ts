// Passphrase strength as the app rates it: zxcvbn (the estimator password managers use: it
// knows common passwords, names and keyboard patterns) and the rule a vault's passphrase must
// meet both live in tipvault-app, asked as the user types. The window keeps no copy of the rule
// or its numbers; it only adds what a form knows: whether the two fields match.
import { backend, type PassphraseRating, type PassphraseVerdict } from '../backend';

export type Score = 0 | 1 | 2 | 3 | 4;

/** The app's rating of `passphrase` (its score, verdict and the rule). */
export function rate(passphrase: string): Promise<PassphraseRating> {
  return backend.ratePassphrase(passphrase);
}

export type Verdict = PassphraseVerdict | 'mismatch';

/** Whether a new passphrase and its confirmation may be used to create a vault. */
export function verdict(rating: PassphraseRating, passphrase: string, confirmation: string): Verdict {
  if (rating.verdict !== 'ok') return rating.verdict;
  if (passphrase !== confirmation) return 'mismatch';
  return 'ok';
}
