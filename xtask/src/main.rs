//! `cargo xtask`: builds what Petal serves, the release server and its site, without
//! cargo-leptos.
//!
//! `cargo xtask build` does what `cargo leptos build --release --split --precompress` did, with
//! wasm-bindgen and the WASM splitter as libraries (cargo-leptos took 15 minutes to compile on
//! two cores, most of it a JavaScript compiler we do not need), and one thing more: the script,
//! the WASM and the style are named after their content (`petal.<hash>.wasm`), so the server
//! can let browsers keep them for a year. cargo-leptos still works (`cargo leptos watch`) for
//! those who have it: the workspace's Leptos metadata is unchanged, and the server falls back to
//! plain names when no name list (`hash.txt`) lies next to it.
//!
//! The steps, in order (each module owns one):
//! - [`front`]: the `frontend` crate compiled for wasm32, split into lazy chunks, bound to its
//!   JavaScript by wasm-bindgen, shrunk by wasm-opt, the script minified by esbuild;
//! - [`style`]: the style sheet minified, and the public files copied;
//! - [`names`]: every file of the site's `pkg` named after its content, and the name list
//!   written where Leptos looks for it;
//! - [`compress`]: brotli and gzip copies of what compresses, for the server to hand out.
//!
//! The server's own release build runs beside the site's, in its own target folder, so two
//! cores are busy for the whole build.

mod compress;
mod front;
mod names;
mod style;
mod tools;

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode};
use std::time::Instant;

/// Builds Petal's release server and the site it serves.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about, long_about = None)]
enum Command {
    /// The release server (`target/release/petal`) and its site (`target/site`), side by side.
    Build,
    /// The site alone, and its name list next to the release server.
    Site,
}

fn main() -> ExitCode {
    let command = Command::parse();
    let started = Instant::now();
    let workspace = Workspace::locate();
    let outcome = match command {
        Command::Build => build(&workspace, true),
        Command::Site => build(&workspace, false),
    };
    match outcome {
        Ok(()) => {
            say(&format!("done in {:.0?}", started.elapsed()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where the workspace keeps what the build reads and writes.
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    fn locate() -> Self {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self {
            root: manifest.parent().unwrap_or(manifest).to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The site the server serves (`LEPTOS_SITE_ROOT`).
    pub fn site(&self) -> PathBuf {
        self.root.join("target/site")
    }

    /// The built script, WASM and style, served under `/pkg`.
    pub fn pkg(&self) -> PathBuf {
        self.site().join("pkg")
    }

    /// Where the release server lands; Leptos reads the name list from beside it.
    pub fn release(&self) -> PathBuf {
        self.root.join("target/release")
    }
}

fn build(workspace: &Workspace, with_server: bool) -> Result<()> {
    let mut server = if with_server {
        say("building the release server and the WASM side by side");
        Some(Running::new("the server build", server_build(workspace)?))
    } else {
        None
    };
    let site = build_site(workspace);
    // The server build is waited for even when the site failed, so it never outlives us.
    let server = server.as_mut().map(Running::wait).transpose();
    site?;
    server?;
    Ok(())
}

fn build_site(workspace: &Workspace) -> Result<()> {
    let pkg = workspace.pkg();
    front::compile(workspace)?;
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg).with_context(|| format!("removing {}", pkg.display()))?;
    }
    std::fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;
    front::package(workspace, &pkg)?;
    style::build(workspace, &pkg)?;
    style::copy_public(workspace)?;
    let names = names::name_by_content(&pkg)?;
    names.write_beside_server(&workspace.release())?;
    say(&format!(
        "named the script and WASM .{} and the style .{}",
        names.front, names.style
    ));
    let sizes = compress::precompress(&workspace.site())?;
    say(&sizes.to_string());
    Ok(())
}

/// `cargo build --release` of the `petal` binary, started now and waited for later.
fn server_build(workspace: &Workspace) -> Result<Child> {
    std::process::Command::new(tools::cargo())
        .current_dir(workspace.root())
        .args(["build", "--release", "--package=petal", "--bin=petal"])
        .spawn()
        .context("starting cargo for the server")
}

/// A child process that is waited for, or killed if we leave early.
struct Running {
    what: &'static str,
    child: Option<Child>,
}

impl Running {
    fn new(what: &'static str, child: Child) -> Self {
        Self {
            what,
            child: Some(child),
        }
    }

    fn wait(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let status = child
            .wait()
            .with_context(|| format!("waiting for {}", self.what))?;
        if !status.success() {
            bail!("{} failed ({status})", self.what);
        }
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One line of progress, in the style of cargo's own.
pub fn say(what: &str) {
    eprintln!("\x1b[1;35m[xtask]\x1b[0m {what}");
}
