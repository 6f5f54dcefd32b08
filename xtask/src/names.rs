//! Content names: every file in the site's `pkg` renamed `<stem>.<hash>.<ext>`, so a browser may
//! keep it for a year (`immutable`) and a new build is fetched under new names.
//!
//! The script, the WASM modules, the split loader and its manifest name each other, in a cycle
//! (the loader imports the script, the script and the chunks import the loader), so no one of
//! them can be hashed before the others are named. They share one hash, of all of them before
//! renaming: any change to any of them renames them all, and the same build gives the same
//! names. The style names nothing and gets a hash of its own. wasm-bindgen's `snippets` keep
//! their names (the WASM imports them by path) and are served as revalidated, not immutable.
//!
//! The name list goes next to the server, as `hash.txt` in the format Leptos reads
//! (`HydrationScripts`, `HashedStylesheet`).

use crate::front::{OUTPUT_NAME, SPLIT_LOADER, SPLIT_MANIFEST};
use anyhow::{bail, ensure, Context, Result};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The placeholder in the split loader's name, as long as a hash.
const PLACEHOLDER: &str = "______________________";

/// The hashes the files were named with.
pub struct Names {
    /// The script, WASM modules, split loader and manifest.
    pub front: String,
    /// The style sheet.
    pub style: String,
}

impl Names {
    /// Writes `hash.txt` into `dir`, the release server's folder, where Leptos looks for it.
    pub fn write_beside_server(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let list = format!(
            "js: {front}\nwasm: {front}\ncss: {style}\nmanifest: {front}\nsplit: {front}\n",
            front = self.front,
            style = self.style
        );
        let path = dir.join("hash.txt");
        std::fs::write(&path, list).with_context(|| format!("writing {}", path.display()))
    }
}

/// 16 bytes of SHA-256 in unpadded URL-safe base64: 22 characters, as long as the placeholder.
fn hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut sha = Sha256::new();
    for part in parts {
        sha.update((part.len() as u64).to_le_bytes());
        sha.update(part);
    }
    URL_SAFE_NO_PAD.encode(&sha.finalize()[..16])
}

/// `petal.js` → `petal.<hash>.js`; the loader's placeholder → the hash.
fn content_name(name: &str, hash: &str) -> String {
    if name.contains(PLACEHOLDER) {
        return name.replace(PLACEHOLDER, hash);
    }
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{name}.{hash}"),
    }
}

/// Renames the files of `pkg` after their content and mends every reference between them.
pub fn name_by_content(pkg: &Path) -> Result<Names> {
    let style_name = format!("{OUTPUT_NAME}.css");
    let mut front: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for entry in std::fs::read_dir(pkg).with_context(|| format!("reading {}", pkg.display()))? {
        let entry = entry?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| anyhow::anyhow!("a file name that is not UTF-8 in pkg: {name:?}"))?;
        if entry.file_type()?.is_file() && name != style_name {
            front.insert(name, std::fs::read(entry.path())?);
        }
    }
    for expected in [
        format!("{OUTPUT_NAME}.js"),
        format!("{OUTPUT_NAME}.wasm"),
        SPLIT_LOADER.to_string(),
        SPLIT_MANIFEST.to_string(),
    ] {
        ensure!(front.contains_key(&expected), "pkg has no {expected}");
    }

    // Sorted by name, each with its length: the same files always give the same hash.
    let front_hash = hash(
        front
            .iter()
            .flat_map(|(name, bytes)| [name.as_bytes(), bytes.as_slice()]),
    );
    let renames: HashMap<String, String> = front
        .keys()
        .map(|name| (name.clone(), content_name(name, &front_hash)))
        .collect();

    for (name, bytes) in front {
        let mended = mend(&name, bytes, &renames, &front_hash)?;
        std::fs::write(pkg.join(&renames[&name]), mended)?;
        std::fs::remove_file(pkg.join(&name))?;
    }

    let style_path = pkg.join(&style_name);
    let style_bytes = std::fs::read(&style_path).context("reading the built style")?;
    let style_hash = hash([style_bytes.as_slice()]);
    std::fs::rename(
        &style_path,
        pkg.join(content_name(&style_name, &style_hash)),
    )?;

    Ok(Names {
        front: front_hash,
        style: style_hash,
    })
}

/// One file's content with the old names of its siblings replaced by their content names.
fn mend(
    name: &str,
    bytes: Vec<u8>,
    renames: &HashMap<String, String>,
    front_hash: &str,
) -> Result<Vec<u8>> {
    if name.ends_with(".wasm") {
        // Only the loader's name sits in a module (in its import section), and keeps its length.
        return Ok(replace_bytes(
            bytes,
            PLACEHOLDER.as_bytes(),
            front_hash.as_bytes(),
        ));
    }
    if name == SPLIT_MANIFEST {
        // Split name → the stems of the chunks it needs; Leptos adds `.wasm`.
        let manifest: BTreeMap<String, Vec<String>> =
            serde_json::from_slice(&bytes).context("reading the split manifest")?;
        let renamed: BTreeMap<String, Vec<String>> = manifest
            .into_iter()
            .map(|(split, stems)| {
                let stems = stems
                    .into_iter()
                    .map(|stem| match renames.get(&format!("{stem}.wasm")) {
                        Some(new) => Ok(new.trim_end_matches(".wasm").to_string()),
                        None => bail!("the split manifest names a chunk pkg lacks: {stem}"),
                    })
                    .collect::<Result<_>>()?;
                Ok((split, stems))
            })
            .collect::<Result<_>>()?;
        return Ok(serde_json::to_vec(&renamed)?);
    }
    if !name.ends_with(".js") {
        return Ok(bytes);
    }
    let mut text = String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
    for (old, new) in renames {
        for quote in ['"', '\''] {
            text = text.replace(
                &format!("{quote}./{old}{quote}"),
                &format!("{quote}./{new}{quote}"),
            );
        }
    }
    let text = text.replace(PLACEHOLDER, front_hash);
    Ok(text.into_bytes())
}

fn replace_bytes(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    debug_assert_eq!(from.len(), to.len());
    let mut at = 0;
    while let Some(found) = bytes[at..]
        .windows(from.len())
        .position(|window| window == from)
    {
        let start = at + found;
        bytes[start..start + from.len()].copy_from_slice(to);
        at = start + from.len();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_takes_the_hash_before_its_extension_or_in_the_placeholder() {
        let hash = "AbCdEfGhIjKlMnOpQrSt-_";
        assert_eq!(content_name("petal.js", hash), format!("petal.{hash}.js"));
        assert_eq!(
            content_name(SPLIT_LOADER, hash),
            format!("__wasm_split.{hash}.js")
        );
        assert_eq!(hash_len(), PLACEHOLDER.len());
    }

    fn hash_len() -> usize {
        hash([b"anything".as_slice()]).len()
    }

    #[test]
    fn the_same_files_give_the_same_hash_and_any_change_another() {
        let a = hash([b"petal.js".as_slice(), b"x"]);
        assert_eq!(a, hash([b"petal.js".as_slice(), b"x"]));
        assert_ne!(a, hash([b"petal.js".as_slice(), b"y"]));
        // Lengths go in too: moving a byte from one part to the next changes the hash.
        assert_ne!(
            hash([b"ab".as_slice(), b"c"]),
            hash([b"a".as_slice(), b"bc"])
        );
    }

    #[test]
    fn a_whole_pkg_is_renamed_and_every_reference_follows() {
        let pkg = std::env::temp_dir().join(format!("xtask-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&pkg);
        std::fs::create_dir_all(&pkg).unwrap();
        let write = |name: &str, content: &[u8]| std::fs::write(pkg.join(name), content).unwrap();
        write(
            "petal.js",
            format!("import*as s from\"./{SPLIT_LOADER}\";").as_bytes(),
        );
        write("petal.wasm", format!("\0asm{SPLIT_LOADER}").as_bytes());
        write("chunk_0.wasm", format!("\0asm{SPLIT_LOADER}").as_bytes());
        write(
            SPLIT_LOADER,
            b"import * as __wasm from \"./petal.js\"; fetch(\"./chunk_0.wasm\");",
        );
        write(SPLIT_MANIFEST, br#"{"checkout":["chunk_0"]}"#);
        write("petal.css", b"body{color:red}");

        let names = name_by_content(&pkg).unwrap();
        let h = &names.front;
        let read = |name: String| std::fs::read_to_string(pkg.join(name)).unwrap();
        assert!(read(format!("petal.{h}.js")).contains(&format!("\"./__wasm_split.{h}.js\"")));
        let loader = read(format!("__wasm_split.{h}.js"));
        assert!(loader.contains(&format!("\"./petal.{h}.js\"")), "{loader}");
        assert!(
            loader.contains(&format!("\"./chunk_0.{h}.wasm\"")),
            "{loader}"
        );
        assert!(read(format!("chunk_0.{h}.wasm")).contains(&format!("__wasm_split.{h}.js")));
        assert_eq!(
            read(format!("__wasm_split_manifest.{h}.json")),
            format!(r#"{{"checkout":["chunk_0.{h}"]}}"#)
        );
        assert_eq!(
            read(format!("petal.{}.css", names.style)),
            "body{color:red}"
        );
        let mut left: Vec<_> = std::fs::read_dir(&pkg)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = [
            format!("__wasm_split.{h}.js"),
            format!("__wasm_split_manifest.{h}.json"),
            format!("chunk_0.{h}.wasm"),
            format!("petal.{h}.js"),
            format!("petal.{}.css", names.style),
            format!("petal.{h}.wasm"),
        ];
        expected.sort();
        assert_eq!(left, expected);
        std::fs::remove_dir_all(&pkg).unwrap();
    }

    #[test]
    fn the_loader_name_is_replaced_in_a_module_without_changing_its_length() {
        let module = [b"\0asm".as_slice(), SPLIT_LOADER.as_bytes(), b"tail"].concat();
        let hash = "AbCdEfGhIjKlMnOpQrSt-_";
        let mended = replace_bytes(module.clone(), PLACEHOLDER.as_bytes(), hash.as_bytes());
        assert_eq!(mended.len(), module.len());
        assert!(String::from_utf8_lossy(&mended).contains(&format!("__wasm_split.{hash}.js")));
    }
}
