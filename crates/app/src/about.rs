//! Facts about this build, for the about line and bug reports.

use serde::Serialize;
use ts_rs::TS;

/// The running version of Tipvault.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
}

/// Facts about this build.
pub fn app_info() -> AppInfo {
    AppInfo {
        version: crate::VERSION.to_owned(),
    }
}
