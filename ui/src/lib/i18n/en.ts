// English, the reference catalog: every key the UI uses is defined here first.
export const en = {
  'app.name': 'Tipvault',
  'app.tagline': 'Your tips and credit, kept private on this computer.',
  'language.label': 'Language',
  'welcome.loading': 'Looking for your vault…',
  'welcome.location': 'Vault location: {path}',
  'create.title': 'Create your vault',
  'create.intro':
    'Everything Tipvault keeps is encrypted with a key only your passphrase can open. Nobody, including us, can recover it if you forget it: write it down somewhere safe.',
  'create.passphrase': 'Passphrase',
  'create.confirm': 'Repeat the passphrase',
  'create.show': 'Show passphrase',
  'create.submit': 'Create vault',
  'create.mismatch': 'The two passphrases are not the same.',
  'create.tooShort': 'Use at least {min} characters.',
  'create.tooWeak': 'This passphrase is too easy to guess. Add a few uncommon words.',
  'strength.label': 'Strength',
  'strength.0': 'Very weak',
  'strength.1': 'Weak',
  'strength.2': 'Fair',
  'strength.3': 'Strong',
  'strength.4': 'Very strong',
  'strength.checking': 'Checking…',
  'unlock.title': 'Unlock your vault',
  'unlock.passphrase': 'Passphrase',
  'unlock.submit': 'Unlock',
  'error.vault_location': 'Tipvault cannot use the vault location. {message}',
  'error.io': 'A file could not be read or written. {message}',
  'error.unexpected': 'Something unexpected went wrong. {message}',
} as const;

export type MessageKey = keyof typeof en;
