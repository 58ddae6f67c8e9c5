//! Short import names for a wasm module and its wasm-bindgen glue.
//!
//! wasm-bindgen names each import the glue provides `__wbg_<function>_<16 hex digits>`; the
//! widget's wasm has about two hundred of them, each written twice (in the wasm's import section
//! and as a key of the glue's import object), and the hex digits do not compress: ~4 KB of the
//! first load's gzip. Here each import of the glue's own module (`./<name>_bg.js`) gets a short
//! name (`a`, `b`, … `ab`, …) in both files. Imports of snippet modules keep their names (the
//! glue imports those functions by name); a name the glue spells anywhere but once, as its key,
//! is left as it is.
//!
//! The wasm is parsed with `wasmparser` (the sections and where each import starts); the import
//! section is rewritten with the same entries, names replaced, descriptors copied byte for byte;
//! every other byte of the module is untouched.

use anyhow::{bail, Context, Result};
use std::path::Path;
use wasmparser::{Imports, Parser, Payload};

/// Reads an unsigned LEB128 at `pos`: (value, length in bytes).
fn read_leb(bytes: &[u8], pos: usize) -> Result<(u32, usize)> {
    let (mut value, mut shift) = (0u32, 0);
    for (i, b) in bytes.get(pos..).unwrap_or_default().iter().take(5).enumerate() {
        value |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
        shift += 7;
    }
    bail!("bad LEB128 at byte {pos}")
}

fn write_leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, s: &str) {
    write_leb(out, u32::try_from(s.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(s.as_bytes());
}

/// The `n`th short name: `a`…`z`, `A`…`Z`, then two letters and more.
pub fn short_name(mut n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = String::new();
    loop {
        s.push(ALPHABET[n % ALPHABET.len()] as char);
        n /= ALPHABET.len();
        if n == 0 {
            return s;
        }
        n -= 1;
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Where `name` occurs in `text` as a whole identifier.
fn occurrences(text: &str, name: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    text.match_indices(name)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = i.checked_sub(1).map(|j| bytes[j]);
            let after = bytes.get(i + name.len()).copied();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        })
        .collect()
}

/// One import: its module and field name, and its descriptor's bytes.
struct Entry<'a> {
    module: &'a str,
    name: &'a str,
    descriptor: &'a [u8],
}

/// The import section's entries and the byte range of the whole section (header included).
fn import_section(wasm: &[u8]) -> Result<(Vec<Entry<'_>>, std::ops::Range<usize>)> {
    let mut prev_end = 8; // after the magic number and version
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let Payload::ImportSection(reader) = &payload {
            let body = reader.range();
            let starts: Vec<usize> = reader
                .clone()
                .into_iter_with_offsets()
                .map(|item| match item? {
                    (off, Imports::Single(..)) => Ok(off),
                    _ => bail!("compact import encoding: not produced by wasm-bindgen or wasm-opt"),
                })
                .collect::<Result<_>>()?;
            let mut entries = Vec::with_capacity(starts.len());
            for (i, &start) in starts.iter().enumerate() {
                let end = starts.get(i + 1).copied().unwrap_or(body.end);
                let mut pos = start;
                let mut name = || -> Result<&str> {
                    let (len, n) = read_leb(wasm, pos)?;
                    let from = pos + n;
                    pos = from + len as usize;
                    Ok(std::str::from_utf8(wasm.get(from..pos).context("import name out of bounds")?)?)
                };
                let (module, field) = (name()?, name()?);
                entries.push(Entry { module, name: field, descriptor: &wasm[pos..end] });
            }
            return Ok((entries, prev_end..body.end));
        }
        if let Some((_, range)) = payload.as_section() {
            prev_end = range.end;
        }
    }
    bail!("no import section")
}

/// Shortens the glue's own imports in `wasm` and `glue` (both rewritten in place). Returns how
/// many were renamed.
pub fn shorten(wasm_path: &Path, glue_path: &Path) -> Result<usize> {
    let wasm = std::fs::read(wasm_path).with_context(|| wasm_path.display().to_string())?;
    let mut glue = std::fs::read_to_string(glue_path).with_context(|| glue_path.display().to_string())?;
    let (entries, section) = import_section(&wasm)?;
    if wasm.get(section.start) != Some(&2) {
        bail!("{}: the import section is not where the parser says", wasm_path.display());
    }
    // Renames decided first, applied to the glue from its end (positions stay valid).
    let mut renames: Vec<(usize, usize, String)> = Vec::new();
    let mut names = Vec::with_capacity(entries.len());
    let mut next = 0;
    for e in &entries {
        let found = occurrences(&glue, e.name);
        if e.module.ends_with("_bg.js") && found.len() == 1 && e.name.len() > 2 {
            let short = short_name(next);
            next += 1;
            renames.push((found[0], e.name.len(), short.clone()));
            names.push(short);
        } else {
            names.push(e.name.to_owned());
        }
    }
    renames.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (at, len, short) in &renames {
        glue.replace_range(*at..*at + *len, short);
    }
    let mut body = Vec::new();
    write_leb(&mut body, u32::try_from(entries.len())?);
    for (e, name) in entries.iter().zip(&names) {
        write_name(&mut body, e.module);
        write_name(&mut body, name);
        body.extend_from_slice(e.descriptor);
    }
    let mut out = Vec::with_capacity(wasm.len());
    out.extend_from_slice(&wasm[..section.start]);
    out.push(2);
    write_leb(&mut out, u32::try_from(body.len())?);
    out.extend_from_slice(&body);
    out.extend_from_slice(&wasm[section.end..]);
    // The result must still be a valid module with the same imports but for their names.
    let (again, _) = import_section(&out)?;
    if again.len() != entries.len() || again.iter().zip(&entries).any(|(a, b)| a.descriptor != b.descriptor) {
        bail!("{}: rewriting the import section changed more than the names", wasm_path.display());
    }
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .with_context(|| format!("{}: not valid after shortening its imports", wasm_path.display()))?;
    std::fs::write(wasm_path, out)?;
    std::fs::write(glue_path, glue)?;
    Ok(renames.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        let set: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(set.len(), names.len());
        assert_eq!((names[0].as_str(), names[51].as_str(), names[52].as_str()), ("a", "Z", "aa"));
        assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_alphabetic())));
    }

    #[test]
    fn only_whole_identifiers_are_found() {
        let js = "{__wbg_x_1:function(){},__wbg_x_12:1,a.__wbg_x_1b,\"__wbg_x_1\":2}";
        assert_eq!(occurrences(js, "__wbg_x_1"), vec![1, 51]);
    }

    #[test]
    fn leb_round_trips() {
        for v in [0u32, 1, 127, 128, 300, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_leb(&mut out, v);
            assert_eq!(read_leb(&out, 0).unwrap(), (v, out.len()));
        }
    }

    /// A module by hand: two imports from `./m_bg.js`, one from a snippet, one function, and the
    /// glue naming each once: the glue's own two are renamed in both, the snippet's is kept.
    #[test]
    fn a_small_module_keeps_its_shape() {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend([1, 4, 1, 0x60, 0, 0]); // types: () -> ()
        let mut imports = vec![3u8];
        for (module, name) in [
            ("./m_bg.js", "__wbg_log_0123456789abcdef"),
            ("./snip.js", "keep"),
            ("./m_bg.js", "__wbg_t_fedcba9876543210"),
        ] {
            write_name(&mut imports, module);
            write_name(&mut imports, name);
            imports.extend([0, 0]); // func of type 0
        }
        m.push(2);
        write_leb(&mut m, imports.len() as u32);
        m.extend(&imports);
        m.extend([3, 2, 1, 0]); // one function of type 0
        m.extend([10, 4, 1, 2, 0, 0x0b]); // its body: nothing
        let dir = std::env::temp_dir().join(format!("kyc-imports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (w, g) = (dir.join("m_bg.wasm"), dir.join("m.js"));
        std::fs::write(&w, &m).unwrap();
        std::fs::write(&g, "import{keep}from'./snip.js';const i={'./m_bg.js':{__wbg_log_0123456789abcdef:()=>1,__wbg_t_fedcba9876543210:()=>2}};").unwrap();
        assert_eq!(shorten(&w, &g).unwrap(), 2);
        let out = std::fs::read(&w).unwrap();
        let (entries, _) = import_section(&out).unwrap();
        let got: Vec<(&str, &str)> = entries.iter().map(|e| (e.module, e.name)).collect();
        assert_eq!(got, [("./m_bg.js", "a"), ("./snip.js", "keep"), ("./m_bg.js", "b")]);
        assert_eq!(
            std::fs::read_to_string(&g).unwrap(),
            "import{keep}from'./snip.js';const i={'./m_bg.js':{a:()=>1,b:()=>2}};"
        );
        assert!(out.ends_with(&[3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0b]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
