//! The secret-leak scan's witness (`tests/e2e/specs/secrets.e2e.mjs`): with
//! `TIPVAULT_TEST_RECORD_IPC` set, a `test-hooks` build records in the page every IPC answer the
//! webview receives, so the scan can search what really reached the web side.
//!
//! Command answers are recorded where they arrive: on Linux and macOS Tauri's IPC is a
//! `fetch` of an `ipc://` URL, so the script wraps `window.fetch` before the page's own code
//! runs and keeps each answer's body as text, whatever the command. Events do not arrive
//! through `fetch`; the UI's backend module adds their payloads to the same record
//! (`ui/src/lib/backend/index.ts`). Every other build has neither the script nor the record.

use tauri::Runtime;
use tauri::plugin::TauriPlugin;

/// The page's record: `window.__TIPVAULT_IPC_RECORD__`, an array of `{kind, name, body}`.
const SCRIPT: &str = r#"
(function () {
  const record = [];
  Object.defineProperty(window, '__TIPVAULT_IPC_RECORD__', { value: record });
  const fetch = window.fetch.bind(window);
  window.fetch = async function (input, init) {
    const response = await fetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith('ipc:') || url.includes('ipc.localhost')) {
      const body = await response.clone().arrayBuffer();
      record.push({ kind: 'command', name: url, status: response.status,
        body: new TextDecoder('utf-8', { fatal: false }).decode(body) });
    }
    return response;
  };
})();
"#;

/// The recording plugin, when this build and run asked for one.
pub fn plugin<R: Runtime>() -> Option<TauriPlugin<R>> {
    if cfg!(feature = "test-hooks") && std::env::var_os("TIPVAULT_TEST_RECORD_IPC").is_some() {
        Some(
            tauri::plugin::Builder::new("tipvault-ipc-record")
                .js_init_script(SCRIPT.to_owned())
                .build(),
        )
    } else {
        None
    }
}
