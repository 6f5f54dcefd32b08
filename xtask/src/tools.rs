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

/// Runs `work` on every item, on as many threads as the machine has cores and no more (each
/// wasm-opt is a Node.js process of its own, and a hundred at once ran this machine out of
/// memory), and returns the results in the items' order.
pub fn each_in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let per_thread = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let work = &work;
        let workers: Vec<_> = items
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(work).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a worker thread panicked"))
            .collect()
    })
}
