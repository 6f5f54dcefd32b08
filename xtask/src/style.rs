//! The style sheet, minified into `pkg/petal.css`, and the public files (the flowers' pictures)
//! copied to the site's root, where the server finds them.

use crate::{front::OUTPUT_NAME, say, tools, Workspace};
use anyhow::{Context, Result};
use std::path::Path;
use std::process::Command;

/// The browsers the style is written for: about what browserslist's `defaults` covers
/// (the workspace's Leptos metadata), in esbuild's terms.
const BROWSERS: &str = "chrome109,edge109,firefox115,safari15.6,ios15.6";

/// `style/main.css` minified by esbuild, with what those browsers lack lowered or prefixed.
pub fn build(workspace: &Workspace, pkg: &Path) -> Result<()> {
    say("minifying the style sheet (esbuild)");
    let mut esbuild = Command::new(tools::npm_tool(workspace.root(), "esbuild")?);
    esbuild
        .arg(workspace.root().join("style/main.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--target={BROWSERS}"))
        .arg(format!(
            "--outfile={}",
            pkg.join(format!("{OUTPUT_NAME}.css")).display()
        ));
    tools::run(esbuild)
}

/// Copies `public/` into the site's root, folders and all.
pub fn copy_public(workspace: &Workspace) -> Result<()> {
    copy_dir(&workspace.root().join("public"), &workspace.site())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}
