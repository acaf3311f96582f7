//! Integration tests for `tipvault-app`; modules mirror `src/`.
mod app {
    mod status;
}
