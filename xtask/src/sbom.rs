//! CycloneDX 1.5 SBOMs (JSON) of what we ship, from Cargo's own resolution (`cargo metadata
//! --filter-platform`): every crate compiled into it, as a normal dependency of its roots on
//! its target, with its version, licence expression and package URL.
//!
//! - the server binary: `kyc-server` for the host target → `target/sbom/kyc-server.cdx.json`;
//! - the npm package: the three wasm modules (`kyc-widget`, `kyc-capture`, `kyc-reader`) for
//!   wasm32, under the package itself (it has no npm dependency: the licence check in
//!   package.rs refuses one) → `sbom.cdx.json` in the package, and so in the tarball.
//!
//! Written here rather than by `cargo-cyclonedx`: that tool costs a cold CI run minutes to
//! compile and knows nothing of the npm package around the wasm.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::{cargo, sh_output};

/// A crate as the SBOM lists it.
struct Crate {
    name: String,
    version: String,
    license: Option<String>,
    registry: bool,
}

impl Crate {
    fn purl(&self) -> String {
        format!("pkg:cargo/{}@{}", self.name, self.version)
    }

    fn component(&self) -> Value {
        let mut c = json!({
            "type": "library",
            "bom-ref": self.purl(),
            "name": self.name,
            "version": self.version,
            "purl": self.purl(),
            "scope": "required",
        });
        if let Some(l) = &self.license {
            c["licenses"] = json!([{ "expression": l }]);
        }
        if !self.registry {
            c["properties"] = json!([{ "name": "cargo:source", "value": "workspace or vendored (path)" }]);
        }
        c
    }
}

/// Who depends on whom, by package URL.
type Edges = BTreeMap<String, BTreeSet<String>>;

/// The crates reachable from `roots` through normal dependencies on `target`.
fn crates(roots: &[&str], target: &str) -> Result<(Vec<Crate>, Edges)> {
    let out = sh_output(&mut cargo(&["metadata", "--format-version", "1", "--locked", "--filter-platform", target]))?;
    let meta: Value = serde_json::from_str(&out).context("cargo metadata")?;
    let packages: BTreeMap<&str, &Value> =
        meta["packages"].as_array().into_iter().flatten().filter_map(|p| Some((p["id"].as_str()?, p))).collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut stack: Vec<&str> = Vec::new();
    for root in roots {
        let id = packages
            .iter()
            .find(|(_, p)| p["name"] == *root && p["source"].is_null())
            .map(|(id, _)| *id)
            .with_context(|| format!("{root} is not in the workspace"))?;
        stack.push(id);
    }
    let mut seen = BTreeSet::new();
    let mut edges = Edges::new();
    let purl_of = |id: &str| -> Option<String> {
        let p = packages.get(id)?;
        Some(format!("pkg:cargo/{}@{}", p["name"].as_str()?, p["version"].as_str()?))
    };
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].is_null());
            let Some(to) = dep["pkg"].as_str() else { continue };
            if normal {
                if let (Some(a), Some(b)) = (purl_of(id), purl_of(to)) {
                    edges.entry(a).or_default().insert(b);
                }
                stack.push(to);
            }
        }
    }
    let mut list = Vec::new();
    for id in seen {
        let p = packages.get(id).with_context(|| format!("{id} has no package"))?;
        list.push(Crate {
            name: p["name"].as_str().unwrap_or_default().to_owned(),
            version: p["version"].as_str().unwrap_or_default().to_owned(),
            license: p["license"].as_str().map(str::to_owned),
            registry: p["source"].as_str().is_some_and(|s| s.starts_with("registry+")),
        });
    }
    Ok((list, edges))
}

fn bom(component: &Value, crates: &[Crate], edges: &Edges) -> Value {
    let dependencies: Vec<Value> =
        edges.iter().map(|(from, to)| json!({ "ref": from, "dependsOn": to.iter().collect::<Vec<_>>() })).collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "tools": { "components": [{ "type": "application", "name": "cargo xtask package" }] },
            "component": component,
        },
        "components": crates.iter().map(Crate::component).collect::<Vec<_>>(),
        "dependencies": dependencies,
    })
}

fn write(path: &Path, bom: &Value) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(bom)? + "\n")?;
    Ok(())
}

/// Every license must be given: an SBOM entry without one is a question for the partner's
/// security review that we must answer first.
fn check_licensed(crates: &[Crate], what: &str) -> Result<()> {
    let missing: Vec<String> =
        crates.iter().filter(|c| c.license.is_none()).map(|c| format!("{}@{}", c.name, c.version)).collect();
    if !missing.is_empty() {
        bail!("{what}: crates without a licence expression: {}", missing.join(", "));
    }
    Ok(())
}

/// The server binary's SBOM.
pub fn server(out: &Path) -> Result<usize> {
    let host = crate::host_target()?;
    let (list, edges) = crates(&["kyc-server"], &host)?;
    check_licensed(&list, "kyc-server")?;
    let server = list.iter().find(|c| c.name == "kyc-server").context("kyc-server")?;
    let mut component = server.component();
    component["type"] = json!("application");
    write(out, &bom(&component, &list, &edges))?;
    Ok(list.len())
}

/// The npm package's SBOM: the package, and the crates in its three wasm modules.
pub fn npm_package(out: &Path, name: &str, version: &str, license: &str) -> Result<usize> {
    let (list, edges) = crates(&["kyc-widget", "kyc-capture", "kyc-reader"], "wasm32-unknown-unknown")?;
    check_licensed(&list, "the npm package's wasm")?;
    let purl = format!("pkg:npm/{name}@{version}");
    let component = json!({
        "type": "library", "bom-ref": purl, "name": name, "version": version, "purl": purl,
        "licenses": [{ "expression": license }],
    });
    write(out, &bom(&component, &list, &edges))?;
    Ok(list.len())
}

/// The test's look at an SBOM: CycloneDX 1.5, every component licensed, `has` among them and
/// `lacks` not (the server's crates are not in the browser's package, and the other way round).
pub fn check(path: &Path, has: &str, lacks: &str) -> Result<()> {
    let bom: Value = serde_json::from_str(&std::fs::read_to_string(path).with_context(|| path.display().to_string())?)?;
    let names: Vec<&str> =
        bom["components"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
    let unlicensed = bom["components"].as_array().into_iter().flatten().filter(|c| c["licenses"].is_null()).count();
    if bom["bomFormat"] != "CycloneDX" || bom["specVersion"] != "1.5" || unlicensed > 0 {
        bail!("{}: not a CycloneDX 1.5 SBOM with every component licensed", path.display());
    }
    if !names.contains(&has) || names.contains(&lacks) {
        bail!("{}: {has} must be listed and {lacks} must not", path.display());
    }
    Ok(())
}
