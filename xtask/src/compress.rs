//! Brotli and gzip copies of every site file that compresses, made once at build time at the
//! highest levels (too slow to do per request), for the server's precompressed `/pkg`.

use crate::tools;
use anyhow::{Context, Result};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The kinds of file worth compressing; pictures other than SVG are compressed already.
const COMPRESSIBLE: &[&str] = &["wasm", "js", "css", "json", "svg", "html", "txt"];

/// What the site's front weighs (script, WASM and style), plain and compressed.
#[derive(Default)]
pub struct Sizes {
    pub plain: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl fmt::Display for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "script, WASM and style: {} bytes, {} with gzip, {} with brotli",
            self.plain, self.gzip, self.brotli
        )
    }
}

/// Writes `<file>.br` and `<file>.gz` beside every compressible file under `site`, and adds up
/// the sizes of those under `pkg`.
pub fn precompress(site: &Path) -> Result<Sizes> {
    let mut files = Vec::new();
    collect(site, &mut files)?;
    let pkg = site.join("pkg");
    // Brotli at its best takes a second or two for the main WASM: use every core.
    let results = tools::each_in_parallel(&files, |file| compress(file))?;
    let mut sizes = Sizes::default();
    for (file, plain, gzip, brotli) in results {
        if file.starts_with(&pkg) {
            sizes.plain += plain;
            sizes.gzip += gzip;
            sizes.brotli += brotli;
        }
    }
    Ok(sizes)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(&path, files)?;
        } else if path
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| COMPRESSIBLE.contains(&extension))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// One file's two copies; returns its plain, gzip and brotli sizes.
fn compress(file: &Path) -> Result<(PathBuf, u64, u64, u64)> {
    let plain = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;

    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&plain)?;
    let gzip = gzip.finish()?;

    let mut brotli = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut plain.as_slice(), &mut brotli, &params)?;

    let with_suffix = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    std::fs::write(with_suffix(".gz"), &gzip)?;
    std::fs::write(with_suffix(".br"), &brotli)?;
    Ok((
        file.to_path_buf(),
        plain.len() as u64,
        gzip.len() as u64,
        brotli.len() as u64,
    ))
}
