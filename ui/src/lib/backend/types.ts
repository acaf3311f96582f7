// Shapes of the values tipvault-app returns (serde's JSON form). Keep in step with
// crates/app: the Rust tests serialise each type and the UI tests below parse the same JSON.

/** `tipvault_app::ErrorCode`. */
export type ErrorCode = 'vault_location' | 'io';

/** `tipvault_app::VaultState`. */
export type VaultState = 'absent' | 'locked';

/** `tipvault_app::VaultStatus`. */
export interface VaultStatus {
  state: VaultState;
  path: string;
}

/** The desktop's `app_info` command. */
export interface AppInfo {
  version: string;
}
