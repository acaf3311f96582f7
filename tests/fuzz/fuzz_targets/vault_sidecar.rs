#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tipvault_fuzz::vault_sidecar(data));
