//! Integration tests of tipvault-auth; modules mirror `src/`.

mod auth {
    mod common;
    mod credential;
    mod hmac_secret;
    mod rp;
    mod soft;
    mod step_up;
    mod unlock;
}
