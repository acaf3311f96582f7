#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tipvault_fuzz::import_profile(data));
