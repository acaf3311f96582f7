// The app's passphrase ratings for the passphrases the UI tests type (tipvault-app rates them
// with zxcvbn; the Rust tests prove the rule, these only give the window its answers).
import type { PassphraseRating } from '../backend';

const rule = { min_length: 10, min_score: 3 };

/** What `rate_passphrase` answers for `passphrase` in these tests. */
export function rating(passphrase: string): PassphraseRating {
  if (passphrase.length < rule.min_length) return { score: passphrase ? 1 : 0, verdict: 'too_short', ...rule };
  if (/^(password|qwerty)/i.test(passphrase)) return { score: 1, verdict: 'too_weak', ...rule };
  return { score: 4, verdict: 'ok', ...rule };
}
