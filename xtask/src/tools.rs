//! The programs the build runs: cargo, and wasm-opt and esbuild from the npm packages that
//! `scripts/setup.sh` installs into `end2end/node_modules`.

use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo that runs us (`cargo xtask` sets `CARGO`), or the one on `PATH`.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// An npm tool: from `end2end/node_modules/.bin` first, then from `PATH`.
pub fn npm_tool(root: &Path, name: &str) -> Result<PathBuf> {
    let local = root.join("end2end/node_modules/.bin").join(name);
    if local.is_file() {
        return Ok(local);
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file());
    on_path.with_context(|| {
        format!(
            "{name} is missing: run scripts/setup.sh, which installs it from npm into end2end/node_modules"
        )
    })
}

/// Runs `command` to its end; an error names it and its exit status.
pub fn run(mut command: Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}
