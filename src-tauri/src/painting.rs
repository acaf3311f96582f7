//! How the Linux web view paints: on the CPU when the machine has no GPU it can use.
//!
//! WebKitGTK (2.46 and later) paints pages with Skia through OpenGL by default. On a machine
//! with no GPU the web process can reach (a virtual machine, a remote desktop, a computer
//! without GPU drivers, the test machine), Mesa emulates OpenGL on the CPU with llvmpipe: every
//! kind of thing the page draws needs a GPU shader program, compiled in software on first use,
//! tens of milliseconds each. The welcome screen needs about 50 of them, so the first launch
//! waited on the compiler. Skia can paint on the CPU directly, on worker threads, with no shader
//! at all: measured side by side on this machine (docs/BENCHMARKS.md), a first launch paints in
//! 0.57× the time, a later launch in 0.86×, and the processes hold 7 % less memory. On a real
//! GPU WebKit's own choice stays: painting there is faster on the GPU.
//!
//! WebKit offers the choice only as an environment variable, read by the web process it
//! spawns, so it is set in this process before the web view exists. A value the person has
//! set themselves (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` to keep the GPU path, say) always wins.

use std::ffi::OsStr;
use std::path::Path;

/// WebKit's switch between Skia's CPU and GPU painting.
pub const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// What decided how the web view paints, for the tests and the log line.
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
    /// `GALLIUM_DRIVER` names one of Mesa's software drivers.
    SoftwareDriver,
    /// No DRM render node (`/dev/dri/renderD*`) and no NVIDIA device: no GPU to render on.
    NoGpu,
}

/// Decides from the environment (`var`) and the device folder (`dev`, `/dev` in the app).
pub fn decide(var: impl Fn(&str) -> Option<std::ffi::OsString>, dev: &Path) -> Painting {
    if var(CPU_PAINTING).is_some() {
        return Painting::SetByPerson;
    }
    // Mesa's own reading of a boolean option: anything but a spelled-out "no" is yes.
    if let Some(value) = var("LIBGL_ALWAYS_SOFTWARE") {
        let no = ["0", "n", "no", "f", "false"];
        let value = value.to_string_lossy();
        if !value.is_empty() && !no.iter().any(|n| value.eq_ignore_ascii_case(n)) {
            return Painting::Cpu(Software::AskedOfMesa);
        }
    }
    if var("GALLIUM_DRIVER").is_some_and(|driver| {
        ["llvmpipe", "softpipe", "swrast"]
            .iter()
            .any(|soft| driver == OsStr::new(soft))
    }) {
        return Painting::Cpu(Software::SoftwareDriver);
    }
    if has_gpu(dev) {
        Painting::WebKitDefault
    } else {
        Painting::Cpu(Software::NoGpu)
    }
}

/// A GPU the web process could render on: Mesa's drivers render through a DRM render node;
/// NVIDIA's own driver through its device files, with or without one.
fn has_gpu(dev: &Path) -> bool {
    let render_node = std::fs::read_dir(dev.join("dri")).is_ok_and(|nodes| {
        nodes
            .filter_map(Result::ok)
            .any(|node| node.file_name().to_string_lossy().starts_with("renderD"))
    });
    render_node || dev.join("nvidiactl").exists()
}

/// Applies the decision for this machine. Called first thing in `run`, while the process has
/// one thread: the environment is only written before any other thread could read it.
pub fn choose() -> Painting {
    let painting = decide(|name| std::env::var_os(name), Path::new("/dev"));
    if let Painting::Cpu(_) = painting {
        // SAFETY: `run` calls this before Tauri, GTK or any thread of ours starts, so nothing
        // reads the environment concurrently (std::env::set_var's one requirement).
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(CPU_PAINTING, "1");
        }
    }
    painting
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
        let nvidia = dev(&["nvidiactl", "nvidia0"]);
        assert_eq!(decide(env(&[]), nvidia.path()), Painting::WebKitDefault);
    }

    #[test]
    fn mesa_asked_for_software_paints_on_the_cpu_even_with_a_gpu() {
        let gpu = dev(&["dri/renderD128"]);
        for value in ["1", "true", "yes", "anything"] {
            let decided = decide(env(&[("LIBGL_ALWAYS_SOFTWARE", value)]), gpu.path());
            assert_eq!(decided, Painting::Cpu(Software::AskedOfMesa), "{value}");
        }
        for value in ["0", "false", "FALSE", "no", "n", "f", ""] {
            let decided = decide(env(&[("LIBGL_ALWAYS_SOFTWARE", value)]), gpu.path());
            assert_eq!(decided, Painting::WebKitDefault, "{value:?}");
        }
        for driver in ["llvmpipe", "softpipe", "swrast"] {
            let decided = decide(env(&[("GALLIUM_DRIVER", driver)]), gpu.path());
            assert_eq!(decided, Painting::Cpu(Software::SoftwareDriver), "{driver}");
        }
        let hardware = decide(env(&[("GALLIUM_DRIVER", "radeonsi")]), gpu.path());
        assert_eq!(hardware, Painting::WebKitDefault);
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
