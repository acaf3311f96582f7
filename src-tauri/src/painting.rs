//! How the Linux web view paints: on the CPU when the web process has no GPU to render on.
//!
//! WebKitGTK (2.46 and later) paints pages with Skia through OpenGL by default. Where the web
//! process cannot reach a GPU, Mesa emulates OpenGL on the CPU (llvmpipe) and compiles every GPU
//! shader program the page needs in software on first use, tens of milliseconds each, about
//! 50 for the welcome screen. Skia can paint on the CPU directly, with no shader programs at
//! all, and on such a machine that is faster on every launch and uses less memory (measured
//! side by side in docs/BENCHMARKS.md, "Session 20"). With a GPU, WebKit's own choice stays.
//!
//! WebKit takes the choice only from an environment variable, read by the web process it
//! spawns. This process cannot safely write its own environment (WebKit's libraries start a
//! thread as soon as they are loaded, before `main`), so it starts itself again with the
//! variable set: one `exec`, the same process id, before any window exists (see [`choose`]).
//! A value the person has set themselves (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` to keep the GPU
//! path, say) always wins.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// WebKit's switch between Skia's CPU and GPU painting.
pub const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// How the web view paints, and what decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Painting {
    /// The person set `WEBKIT_SKIA_ENABLE_CPU_RENDERING` themselves: left as they set it.
    SetByPerson,
    /// OpenGL would be emulated on the CPU: Skia paints on the CPU instead.
    Cpu(Software),
    /// A GPU is there: WebKit's default.
    WebKitDefault,
}

/// Why OpenGL would be software here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Software {
    /// `LIBGL_ALWAYS_SOFTWARE` asks Mesa for its software renderer.
    AskedOfMesa,
    /// No GPU device this process may use: no DRM render node (`/dev/dri/renderD*`) it may
    /// read and write, and none of the devices of the drivers that render without one (NVIDIA's, WSL's
    /// `/dev/dxg`, Arm's Mali).
    NoGpu,
}

/// Decides from the environment (`var`) and the device folder (`dev`, `/dev` in the app).
pub fn decide(var: impl Fn(&str) -> Option<std::ffi::OsString>, dev: &Path) -> Painting {
    if var(CPU_PAINTING).is_some() {
        return Painting::SetByPerson;
    }
    // Mesa reads it as a boolean whose yes is one of these; anything else leaves it off.
    if var("LIBGL_ALWAYS_SOFTWARE").is_some_and(|value| {
        let value = value.to_string_lossy();
        ["1", "y", "yes", "t", "true"]
            .iter()
            .any(|yes| value.eq_ignore_ascii_case(yes))
    }) {
        return Painting::Cpu(Software::AskedOfMesa);
    }
    if has_gpu(dev) {
        Painting::WebKitDefault
    } else {
        Painting::Cpu(Software::NoGpu)
    }
}

/// A GPU the web process could render on. Mesa's drivers render through a DRM render node,
/// which this user must also be allowed to read and write (the `render` group); NVIDIA's
/// driver, WSL's d3d12 and Arm's Mali driver through their own device files. Asked with
/// access(2), not by opening: opening a render node wakes a sleeping second GPU on a hybrid
/// laptop. (tests/e2e/specs/welcome.e2e.mjs has the same lists: keep them in step.)
fn has_gpu(dev: &Path) -> bool {
    let render_node = std::fs::read_dir(dev.join("dri")).is_ok_and(|nodes| {
        nodes.filter_map(Result::ok).any(|node| {
            node.file_name().to_string_lossy().starts_with("renderD")
                && rustix::fs::access(
                    node.path(),
                    rustix::fs::Access::READ_OK | rustix::fs::Access::WRITE_OK,
                )
                .is_ok()
        })
    });
    render_node
        || ["nvidiactl", "dxg", "mali0"]
            .iter()
            .any(|device| dev.join(device).exists())
}

/// Applies the decision for this machine: where the web view should paint on the CPU, this
/// process is replaced by the same program with the same arguments and
/// `WEBKIT_SKIA_ENABLE_CPU_RENDERING=1` added, and this function does not return. The new
/// process (same id) finds the variable set and goes on. `run` calls it first, before anything
/// has been done that the restart would lose.
pub fn choose() -> Painting {
    let painting = decide(|name| std::env::var_os(name), Path::new("/dev"));
    if let Painting::Cpu(_) = painting {
        let exe = std::env::current_exe();
        let Some(program) = exe.as_deref().ok().and_then(restart_target) else {
            // Started through the dynamic loader, or /proc/self/exe unreadable.
            eprintln!(
                "tipvault: the web view keeps WebKit's default painting (this program cannot be \
                 started again)"
            );
            return Painting::WebKitDefault;
        };
        let mut args = std::env::args_os();
        let mut again = Command::new(program);
        if let Some(name) = args.next() {
            again.arg0(name);
        }
        let err = again.args(args).env(CPU_PAINTING, "1").exec();
        eprintln!("tipvault: the web view keeps WebKit's default painting: {err}");
        return Painting::WebKitDefault;
    }
    painting
}

/// The file to start again, given the one this process runs (`exe`, as `/proc/self/exe` names
/// it): the same path, so the process keeps its name (the kernel names a process after the file
/// it runs, and `/proc/self/exe` would make it `exe`); `/proc/self/exe` itself when that path
/// no longer holds this program (an upgrade replaced it on disk); none when the process is the
/// dynamic loader running the program (`ld-linux-x86-64.so.2 /path/to/app`), which started
/// again with the program's arguments would not start the program.
fn restart_target(exe: &Path) -> Option<PathBuf> {
    let name = exe.file_name()?.to_string_lossy();
    if name.starts_with("ld-") {
        None
    } else if name.ends_with(" (deleted)") {
        Some(PathBuf::from("/proc/self/exe"))
    } else {
        Some(exe.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::fs;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// A `/dev` with the given entries (`dri/renderD128`, `nvidiactl`…).
    fn dev(entries: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for entry in entries {
            let path = dir.path().join(entry);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, b"").unwrap();
        }
        dir
    }

    #[test]
    fn a_machine_without_a_render_node_paints_on_the_cpu() {
        let none = dev(&[]);
        assert_eq!(
            decide(env(&[]), none.path()),
            Painting::Cpu(Software::NoGpu)
        );
        // A display-only DRM device (simpledrm, a VM's plain framebuffer) renders nothing.
        let card_only = dev(&["dri/card0"]);
        assert_eq!(
            decide(env(&[]), card_only.path()),
            Painting::Cpu(Software::NoGpu)
        );
    }

    #[test]
    fn a_gpu_keeps_webkits_default() {
        let mesa = dev(&["dri/card0", "dri/renderD128"]);
        assert_eq!(decide(env(&[]), mesa.path()), Painting::WebKitDefault);
        for own in ["nvidiactl", "dxg", "mali0"] {
            let device = dev(&[own]);
            assert_eq!(
                decide(env(&[]), device.path()),
                Painting::WebKitDefault,
                "{own}"
            );
        }
    }

    #[test]
    fn a_render_node_this_process_may_not_use_is_no_gpu() {
        // A node access(2) refuses whoever asks (the tests run as root in CI, whom permissions
        // never refuse): a link to nothing in its place.
        let broken = dev(&[]);
        fs::create_dir_all(broken.path().join("dri")).unwrap();
        std::os::unix::fs::symlink("/nonexistent", broken.path().join("dri/renderD128")).unwrap();
        assert_eq!(
            decide(env(&[]), broken.path()),
            Painting::Cpu(Software::NoGpu)
        );
    }

    #[test]
    fn the_restart_runs_the_same_file_under_its_own_name() {
        let app = Path::new("/usr/bin/tipvault-desktop");
        assert_eq!(restart_target(app), Some(app.to_owned()));
        let replaced = Path::new("/usr/bin/tipvault-desktop (deleted)");
        assert_eq!(
            restart_target(replaced),
            Some(PathBuf::from("/proc/self/exe"))
        );
        let loader = Path::new("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        assert_eq!(restart_target(loader), None);
    }

    #[test]
    fn mesa_asked_for_software_paints_on_the_cpu_even_with_a_gpu() {
        let gpu = dev(&["dri/renderD128"]);
        for value in ["1", "true", "TRUE", "yes", "y", "t"] {
            let decided = decide(env(&[("LIBGL_ALWAYS_SOFTWARE", value)]), gpu.path());
            assert_eq!(decided, Painting::Cpu(Software::AskedOfMesa), "{value}");
        }
        // Mesa leaves it off for a no, and for a value it does not know.
        for value in ["0", "false", "no", "n", "f", "", "anything"] {
            let decided = decide(env(&[("LIBGL_ALWAYS_SOFTWARE", value)]), gpu.path());
            assert_eq!(decided, Painting::WebKitDefault, "{value:?}");
        }
    }

    #[test]
    fn the_persons_own_setting_wins_either_way() {
        let none = dev(&[]);
        let gpu = dev(&["dri/renderD128"]);
        for value in ["0", "1"] {
            let set = env(&[(CPU_PAINTING, value), ("LIBGL_ALWAYS_SOFTWARE", "1")]);
            assert_eq!(decide(&set, none.path()), Painting::SetByPerson);
            assert_eq!(decide(&set, gpu.path()), Painting::SetByPerson);
        }
    }
}
