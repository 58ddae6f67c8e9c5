//! Size report of the built widget (wasm + js + css), raw and gzip.

use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The widget budget (DEVELOPERS.md): wasm + js + css ≤ 150 KB gzip, read as KiB.
pub const BUDGET_GZIP: usize = 150 * 1024;

pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).expect("in-memory write");
    enc.finish().expect("in-memory write").len()
}

pub fn brotli_len(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params).expect("in-memory write");
    out.len()
}

/// The widget's own files in a Trunk `dist/` (the demo page's files are not the widget).
pub fn widget_files(dist: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dist)
        .with_context(|| format!("reading {}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("kyc-widget")
                && (name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Prints the table and returns the gzip total.
pub fn report(files: &[PathBuf]) -> Result<usize> {
    let (mut raw_total, mut gz_total) = (0, 0);
    println!("{:<48} {:>10} {:>10}", "widget file", "raw B", "gzip B");
    for f in files {
        let bytes = std::fs::read(f)?;
        let gz = gzip_len(&bytes);
        raw_total += bytes.len();
        gz_total += gz;
        println!("{:<48} {:>10} {:>10}", f.file_name().and_then(|n| n.to_str()).unwrap_or_default(), bytes.len(), gz);
    }
    println!("{:<48} {:>10} {:>10}   (budget {} gzip)", "total", raw_total, gz_total, BUDGET_GZIP);
    Ok(gz_total)
}
