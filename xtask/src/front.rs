//! The browser's half: the `frontend` crate compiled for wasm32, split into the main module and
//! the lazy chunks (`app::lazy`), bound to JavaScript, shrunk and minified into the site's `pkg`.

use crate::{say, tools, Workspace};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The name Leptos gives the script and the WASM (`LEPTOS_OUTPUT_NAME` in `.cargo/config.toml`).
pub const OUTPUT_NAME: &str = "petal";

/// The split loader's name before it is named after its content. The chunks import it by this
/// name, inside their binary, so its content name must be as long: 22 characters, as many as
/// a 16-byte hash in unpadded base64 (see `names`).
pub const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

/// The manifest Leptos reads to preload a lazy route's chunks.
pub const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

/// The WASM profile in the workspace's Cargo.toml (size first, fat LTO, abort on panic).
const PROFILE: &str = "wasm-release";

/// cargo-leptos's folder for the browser build, so both tools reuse each other's work.
fn target_dir(workspace: &Workspace) -> PathBuf {
    workspace.root().join("target/front")
}

fn compiled_wasm(workspace: &Workspace) -> PathBuf {
    target_dir(workspace).join(format!("wasm32-unknown-unknown/{PROFILE}/frontend.wasm"))
}

/// `cargo build` of the `frontend` library for wasm32. The linker keeps its relocations, which
/// the splitter needs to move functions into chunks.
pub fn compile(workspace: &Workspace) -> Result<()> {
    say("compiling the frontend crate for wasm32");
    let mut cargo = Command::new(tools::cargo());
    cargo
        .current_dir(workspace.root())
        .arg("build")
        .args([
            "--package=frontend",
            "--lib",
            "--target=wasm32-unknown-unknown",
        ])
        .arg(format!("--profile={PROFILE}"))
        .arg("--target-dir")
        .arg(target_dir(workspace))
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Clink-args=--emit-relocs",
        );
    tools::run(cargo)
}

/// Splits, binds, shrinks and minifies the compiled WASM into `pkg`: `petal.js`, `petal.wasm`,
/// one `.wasm` per lazy chunk, the split loader and its manifest.
pub fn package(workspace: &Workspace, pkg: &Path) -> Result<()> {
    let compiled = compiled_wasm(workspace);
    let input =
        std::fs::read(&compiled).with_context(|| format!("reading {}", compiled.display()))?;

    say("splitting the lazy chunks out of the WASM");
    let main_module = target_dir(workspace).join("petal_split.wasm");
    let main_js = format!("./{OUTPUT_NAME}.js");
    let link_name = format!("./{SPLIT_LOADER}");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = pkg;
        options.main_out_path = &main_module;
        options.main_module = &main_js;
        options.link_name = &link_name;
        options
    })
    .map_err(|error| anyhow::anyhow!("splitting the WASM: {error:#}"))?;
    // Sorted, so the same build writes the same bytes (and gets the same content name).
    let manifest: BTreeMap<_, _> = split.prefetch_map.into_iter().collect();
    std::fs::write(
        pkg.join(SPLIT_MANIFEST),
        serde_json::to_string(&manifest).context("writing the split manifest")?,
    )?;

    say("binding the main module to JavaScript (wasm-bindgen)");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&main_module)
        .out_name(OUTPUT_NAME)
        .web(true)?
        .keep_lld_exports(true)
        .demangle(false)
        .typescript(false)
        .generate(pkg)
        .map_err(|error| anyhow::anyhow!("wasm-bindgen: {error:#}"))?;
    let wasm = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    std::fs::rename(pkg.join(format!("{OUTPUT_NAME}_bg.wasm")), &wasm)
        .context("renaming the bound WASM")?;

    say("shrinking every WASM file (wasm-opt -Oz)");
    let wasm_opt = tools::npm_tool(workspace.root(), "wasm-opt")?;
    let mut modules = vec![wasm];
    modules.extend(split.split_modules);
    tools::each_in_parallel(&modules, |module| {
        let mut command = Command::new(&wasm_opt);
        command
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
            ])
            .arg(module)
            .arg("-o")
            .arg(module);
        tools::run(command)
    })?;

    say("minifying the script and the split loader (esbuild)");
    let esbuild = tools::npm_tool(workspace.root(), "esbuild")?;
    for script in [format!("{OUTPUT_NAME}.js"), SPLIT_LOADER.to_string()] {
        let script = pkg.join(script);
        let mut minify = Command::new(&esbuild);
        minify
            .arg(&script)
            .args([
                "--minify",
                "--format=esm",
                "--log-level=warning",
                "--allow-overwrite",
            ])
            // wasm-bindgen imports the split loader once per function it takes from it, each
            // under the same key of one object: the same module every time, so no harm done.
            .arg("--log-override:duplicate-object-key=silent")
            .arg(format!("--outfile={}", script.display()));
        tools::run(minify)?;
    }
    Ok(())
}
