//! The desktop bench's measuring tool (issue 17): launches a candidate app and a baseline app
//! in turn on an X display (Xvfb in `scripts/bench-desktop.sh`) and prints, side by side with
//! their ratios, what a user would notice:
//!
//! - **release binary size**, read from the files;
//! - **time from launch to first paint**: from just before the process is spawned until the
//!   screen first shows rendered content, seen from outside the app by reading the screen's
//!   pixels (X `GetImage` on the root window) every few milliseconds. "Rendered content" is a
//!   frame with at least [`PAINTED_COLOURS`] distinct colours: the empty screen, an unmapped
//!   window and a webview's blank background are one or two colours each, while any line of
//!   antialiased text brings dozens. Both apps are measured the same way, with no hook in either.
//!   For reference it also reports when the window first appears at all (the first frame that
//!   differs from the empty screen), which separates the native start from the web content;
//! - **idle memory**: after the first paint and an idle wait, the resident set (VmRSS) of the
//!   app's process and every process below it (WebKit's web and network processes, and the
//!   bubblewrap sandbox around them), summed. RSS counts shared libraries once per process; the
//!   proportional set size (PSS, which divides shared pages among their users) is printed
//!   beside it for reference.
//!
//! Each app gets its own empty HOME and XDG folders per launch, so every launch is a first
//! launch (Tipvault shows its welcome screen). First paint is also measured for a **later
//! launch**: the same, except that XDG_CACHE_HOME is the folder the app's earlier launches in this
//! run left behind (Mesa's compiled GPU shaders, WebKit's caches), as on every launch after a
//! user's first. Without a GPU, Mesa compiles WebKit's shaders in software (tens of milliseconds
//! each) on a first launch, and a page that draws more kinds of things needs more of them; a later
//! launch finds them compiled. One launch of each is run first and discarded (it warms the disk
//! cache, and the kept cache folder, for both alike); then the apps alternate, so a change in
//! machine load falls on both. The medians are reported.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, Window};
use x11rb::rust_connection::RustConnection;

/// A frame with at least this many distinct colours has rendered content (see the module doc).
const PAINTED_COLOURS: usize = 24;
/// How often the screen is read while waiting for the first paint.
const POLL: Duration = Duration::from_millis(4);
/// A launch that shows nothing in this time is a failure, not a measurement.
const PAINT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Parser)]
#[command(about = "Compare a desktop app with a baseline app: size, first paint, idle memory")]
struct Args {
    /// The app measured, as NAME=PATH (a release binary).
    #[arg(long, value_parser = parse_app)]
    candidate: App,
    /// The app it is compared with, as NAME=PATH.
    #[arg(long, value_parser = parse_app)]
    baseline: App,
    /// Runs: each a first and a later launch of each app (after one discarded warm-up launch of
    /// each).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seconds to wait after the first paint before memory is read.
    #[arg(long, default_value_t = 5)]
    idle: u64,
}

#[derive(Clone)]
struct App {
    name: String,
    path: PathBuf,
}

fn parse_app(text: &str) -> Result<App, String> {
    let (name, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=PATH, got {text:?}"))?;
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    Ok(App {
        name: name.to_owned(),
        path,
    })
}

/// One launch's measurements.
#[derive(Clone, Copy)]
struct Launch {
    /// The first frame that differs from the empty screen (the window, content or not).
    window: Duration,
    first_paint: Duration,
    rss_kib: u64,
    pss_kib: u64,
    processes: usize,
    /// GPU shader programs Mesa compiled and cached during the launch (in software when the
    /// machine has no GPU); counted only in a launch's own, initially empty, cache folder.
    shaders: Option<usize>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let screen = Screen::connect()?;
    let empty_colours = screen.empty_colours;
    eprintln!("empty screen: {empty_colours} colour(s)");
    if empty_colours >= PAINTED_COLOURS {
        bail!("the screen already shows {empty_colours} colours before any app starts");
    }

    // Each app's cache folder for its later launches, filled by its warm-up launch.
    let kept_caches = [tempfile::tempdir()?, tempfile::tempdir()?];
    for (app, cache) in [&args.candidate, &args.baseline]
        .into_iter()
        .zip(&kept_caches)
    {
        let warm = launch(&screen, app, args.idle, Some(cache.path()))?;
        eprintln!("{} warm-up: {}", app.name, describe(&warm));
    }
    let (mut candidate, mut baseline) = (Vec::new(), Vec::new());
    let (mut candidate_later, mut baseline_later) = (Vec::new(), Vec::new());
    for run in 1..=args.runs {
        for (app, cache, first, later) in [
            (
                &args.candidate,
                &kept_caches[0],
                &mut candidate,
                &mut candidate_later,
            ),
            (
                &args.baseline,
                &kept_caches[1],
                &mut baseline,
                &mut baseline_later,
            ),
        ] {
            let measured = launch(&screen, app, args.idle, None)?;
            eprintln!(
                "{} run {run}, first launch: {}",
                app.name,
                describe(&measured)
            );
            first.push(measured);
            let measured = launch(&screen, app, 0, Some(cache.path()))?;
            eprintln!(
                "{} run {run}, later launch: {}",
                app.name,
                describe(&measured)
            );
            later.push(measured);
        }
    }

    let size = |app: &App| -> Result<u64> {
        Ok(fs::metadata(&app.path)
            .with_context(|| format!("reading {}", app.path.display()))?
            .len())
    };
    let (size_c, size_b) = (size(&args.candidate)?, size(&args.baseline)?);
    let paint = |runs: &[Launch]| median(runs.iter().map(|l| l.first_paint.as_secs_f64() * 1e3));
    let window = |runs: &[Launch]| median(runs.iter().map(|l| l.window.as_secs_f64() * 1e3));
    let rss = |runs: &[Launch]| median(runs.iter().map(|l| l.rss_kib as f64 / 1024.0));
    let pss = |runs: &[Launch]| median(runs.iter().map(|l| l.pss_kib as f64 / 1024.0));
    let procs = |runs: &[Launch]| median(runs.iter().map(|l| l.processes as f64));
    let shaders = |runs: &[Launch]| median(runs.iter().filter_map(|l| l.shaders.map(|n| n as f64)));

    let (c, b) = (&args.candidate.name, &args.baseline.name);
    println!("| measure | {b} | {c} | ratio | goal |");
    println!("| --- | ---: | ---: | ---: | --- |");
    row(
        "release binary size",
        size_b as f64 / 1_048_576.0,
        size_c as f64 / 1_048_576.0,
        "MiB",
        Some(4.0),
    );
    row(
        &format!(
            "launch → first paint, first launch, median of {}",
            args.runs
        ),
        paint(&baseline),
        paint(&candidate),
        "ms",
        Some(1.5),
    );
    row(
        &format!(
            "launch → first paint, later launch, median of {}",
            args.runs
        ),
        paint(&baseline_later),
        paint(&candidate_later),
        "ms",
        Some(1.5),
    );
    row(
        "launch → window on screen (reference)",
        window(&baseline),
        window(&candidate),
        "ms",
        None,
    );
    row(
        &format!("idle RSS, app + WebKit processes, median of {}", args.runs),
        rss(&baseline),
        rss(&candidate),
        "MiB",
        Some(1.3),
    );
    row(
        "idle PSS (reference)",
        pss(&baseline),
        pss(&candidate),
        "MiB",
        None,
    );
    row("processes", procs(&baseline), procs(&candidate), "", None);
    // Only where Mesa keeps one file per program (see `shader_programs`).
    let (shaders_b, shaders_c) = (shaders(&baseline), shaders(&candidate));
    if !shaders_b.is_nan() && !shaders_c.is_nan() {
        row(
            "GPU shader programs compiled, first launch (reference)",
            shaders_b,
            shaders_c,
            "",
            None,
        );
    }
    Ok(())
}

fn row(what: &str, baseline: f64, candidate: f64, unit: &str, goal: Option<f64>) {
    let ratio = candidate / baseline;
    let goal = match goal {
        Some(goal) if ratio <= goal => format!("≤ {goal}× ✓"),
        Some(goal) => format!("≤ {goal}× ✗"),
        None => String::new(),
    };
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    println!("| {what} | {baseline:.1}{unit} | {candidate:.1}{unit} | {ratio:.2}× | {goal} |");
}

fn describe(launch: &Launch) -> String {
    format!(
        "window {:.0} ms, first paint {:.0} ms, RSS {:.1} MiB, PSS {:.1} MiB, {} processes",
        launch.window.as_secs_f64() * 1e3,
        launch.first_paint.as_secs_f64() * 1e3,
        launch.rss_kib as f64 / 1024.0,
        launch.pss_kib as f64 / 1024.0,
        launch.processes
    )
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Launches `app` on a first-launch profile, waits for its first paint and the idle time, reads
/// its memory and ends it. With `kept_cache`, that folder is its XDG_CACHE_HOME instead of an
/// empty one (a later launch).
fn launch(screen: &Screen, app: &App, idle: u64, kept_cache: Option<&Path>) -> Result<Launch> {
    screen.wait_until_empty()?;
    let profile = tempfile::tempdir()?;
    let dir = |name: &str| -> Result<PathBuf> {
        let path = profile.path().join(name);
        fs::create_dir_all(&path)?;
        Ok(path)
    };
    let mut command = Command::new(&app.path);
    command
        .env("HOME", dir("home")?)
        .env("XDG_DATA_HOME", dir("data")?)
        .env("XDG_CONFIG_HOME", dir("config")?)
        .env(
            "XDG_CACHE_HOME",
            match kept_cache {
                Some(kept) => kept.to_path_buf(),
                None => dir("cache")?,
            },
        )
        .env_remove("TIPVAULT_VAULT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(profile.path().join("stderr"))?)
        // Its own process group, so ending the launch ends WebKit's processes too.
        .process_group(0);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", app.path.display()))?;
    let measured = measure(screen, &mut child, started, idle);
    end(&mut child);
    let measured = measured.map(|launch| Launch {
        shaders: match kept_cache {
            None => shader_programs(&profile.path().join("cache")),
            Some(_) => None,
        },
        ..launch
    });
    measured.with_context(|| {
        let stderr = fs::read_to_string(profile.path().join("stderr")).unwrap_or_default();
        format!("{} (its stderr: {stderr:?})", app.name)
    })
}

fn measure(screen: &Screen, child: &mut Child, started: Instant, idle: u64) -> Result<Launch> {
    let mut window = None;
    let first_paint = loop {
        if let Some(status) = child.try_wait()? {
            bail!("the app ended before its first paint ({status})");
        }
        let colours = screen.distinct_colours(PAINTED_COLOURS)?;
        if window.is_none() && colours > screen.empty_colours {
            window = Some(started.elapsed());
        }
        if colours >= PAINTED_COLOURS {
            break started.elapsed();
        }
        if started.elapsed() > PAINT_TIMEOUT {
            bail!("nothing was painted within {PAINT_TIMEOUT:?}");
        }
        sleep(POLL);
    };
    sleep(Duration::from_secs(idle));
    if let Some(status) = child.try_wait()? {
        bail!("the app ended while idle ({status})");
    }
    let tree = process_tree(child.id())?;
    let (mut rss_kib, mut pss_kib) = (0, 0);
    for pid in &tree {
        // A process may end between the listing and the read: it then holds no memory.
        rss_kib += field_kib(&format!("/proc/{pid}/status"), "VmRSS:").unwrap_or(0);
        pss_kib += field_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:").unwrap_or(0);
    }
    let window = window.unwrap_or(first_paint);
    Ok(Launch {
        window,
        first_paint,
        rss_kib,
        pss_kib,
        processes: tree.len(),
        shaders: None,
    })
}

/// The programs in Mesa's on-disk shader cache under `cache`: its multi-file layout
/// (`mesa_shader_cache/<2 hex>/<rest of the hash>`, one file per compiled program, beside an
/// `index` file), the default of the Mesa on these machines. None when the launch left no such
/// folder (a Mesa keeping one database file instead, `mesa_shader_cache_db`, cannot be counted
/// this way, and no number is better than a wrong one).
fn shader_programs(cache: &Path) -> Option<usize> {
    let programs = fs::read_dir(cache.join("mesa_shader_cache"))
        .ok()?
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .filter_map(|bucket| fs::read_dir(bucket.path()).ok())
        .map(|files| files.flatten().filter(|f| f.path().is_file()).count())
        .sum();
    Some(programs)
}

/// Ends the app's process group: politely, then for good.
fn end(child: &mut Child) {
    let group = Pid::from_raw(child.id() as i32);
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        sleep(Duration::from_millis(20));
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait();
}

/// `root` and every process below it.
fn process_tree(root: u32) -> Result<Vec<u32>> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name in parentheses may hold spaces: the parent is the 2nd field after it.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if let Some(Ok(parent)) = rest.split_whitespace().nth(1).map(str::parse::<u32>) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        tree.extend(children.get(&tree[next]).into_iter().flatten());
        next += 1;
    }
    Ok(tree)
}

fn field_kib(path: &str, field: &str) -> Option<u64> {
    let text = fs::read_to_string(Path::new(path)).ok()?;
    let line = text.lines().find(|line| line.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// The X screen the apps appear on.
struct Screen {
    conn: RustConnection,
    /// Colours on the screen before any app starts.
    empty_colours: usize,
    root: Window,
    width: u16,
    height: u16,
}

impl Screen {
    fn connect() -> Result<Self> {
        let (conn, number) = x11rb::connect(None).context("connecting to the X display")?;
        let screen = &conn.setup().roots[number];
        let (root, width, height) = (screen.root, screen.width_in_pixels, screen.height_in_pixels);
        let mut screen = Self {
            conn,
            root,
            width,
            height,
            empty_colours: 0,
        };
        screen.empty_colours = screen.distinct_colours(usize::MAX)?;
        Ok(screen)
    }

    /// The number of distinct colours on the screen, counted up to `cap`.
    fn distinct_colours(&self, cap: usize) -> Result<usize> {
        let image = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                0,
                0,
                self.width,
                self.height,
                !0,
            )?
            .reply()?;
        let mut seen = HashSet::new();
        for pixel in image.data.chunks_exact(4) {
            seen.insert([pixel[0], pixel[1], pixel[2]]);
            if seen.len() >= cap {
                break;
            }
        }
        Ok(seen.len())
    }

    /// Waits until the previous launch's window has gone from the screen.
    fn wait_until_empty(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.distinct_colours(PAINTED_COLOURS)? >= PAINTED_COLOURS {
            if Instant::now() > deadline {
                bail!("the screen still shows a window 10 s after the last launch ended");
            }
            sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}
