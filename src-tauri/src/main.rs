// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Every heap block is zeroed when freed: a passphrase arrives as IPC bytes and JSON that
/// Tauri parses and frees, and a plaintext passes through buffers nobody wipes, so after lock
/// they would linger in freed memory (the secret-leak scan, tests/e2e/specs/secrets.e2e.mjs,
/// found the passphrase there). Keys themselves are wiped on drop as well (`zeroize`).
#[global_allocator]
static ALLOCATOR: secmem_alloc::zeroizing_alloc::ZeroizeAlloc<std::alloc::System> =
    secmem_alloc::zeroizing_alloc::ZeroizeAlloc::new(std::alloc::System);

fn main() {
    tipvault_desktop::run();
}
