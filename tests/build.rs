//! Builds the write-fault shim (`faults/write_faults.c`) that `faults.rs` preloads into the real
//! `tipvault` process, as a shared library in OUT_DIR. Linux only (it names files through
//! /proc/self/fd); elsewhere the fault tests are not compiled.

// A build script stops the build with a message: that is how it reports a broken setup.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=faults/write_faults.c");
    println!("cargo::rustc-check-cfg=cfg(write_faults)");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let library = out.join("libwrite_faults.so");
    let compiler = cc::Build::new().get_compiler();
    let status = Command::new(compiler.path())
        .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o"])
        .arg(&library)
        .arg("faults/write_faults.c")
        .arg("-ldl")
        .status()
        .expect("the C compiler runs");
    assert!(status.success(), "building the write-fault shim failed");
    println!("cargo::rustc-cfg=write_faults");
    println!(
        "cargo::rustc-env=TIPVAULT_WRITE_FAULTS_SO={}",
        library.display()
    );
}
